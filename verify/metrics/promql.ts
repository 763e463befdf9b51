/**
 * A small PromQL scanner that finds the metrics an expression selects, without a parser dependency: the npm
 * PromQL parsers are either Lezer grammars for editors (@prometheus-io/lezer-promql, which would need a tree walk of
 * its own) or unmaintained. The scanner skips strings, comments, numbers, durations, range and subquery brackets,
 * function and aggregation names (an identifier followed by `(`) and PromQL's keywords; every other identifier is a
 * metric name (colons included, as in `vllm:num_requests_running`), and `{__name__="x"}` selects `x`.
 */

export interface Selector {
  /** The metric name the selector names. */
  readonly metric: string;
  /** The label names its matchers use (`__name__` left out). */
  readonly labels: readonly string[];
}

export interface ExtractedQuery {
  readonly selectors: readonly Selector[];
  /** Label names in `by`, `without`, `on`, `ignoring`, `group_left` and `group_right` lists. */
  readonly groupingLabels: readonly string[];
}

const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "offset",
  "bool",
  "and",
  "or",
  "unless",
  "atan2",
]);
const LABEL_LISTS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const NUMBER_WORDS = new Set(["inf", "nan"]);

const isIdentStart = (c: string) => /[A-Za-z_:]/.test(c);
const isIdent = (c: string) => /[A-Za-z0-9_:]/.test(c);

/** Index after the string literal that opens at `i`. */
function skipString(expr: string, i: number): number {
  const quote = expr[i];
  let j = i + 1;
  while (j < expr.length && expr[j] !== quote) j += quote !== "`" && expr[j] === "\\" ? 2 : 1;
  return j + 1;
}

function skipSpace(expr: string, i: number): number {
  let j = i;
  while (j < expr.length) {
    if (/\s/.test(expr[j])) j++;
    else if (expr[j] === "#") while (j < expr.length && expr[j] !== "\n") j++;
    else break;
  }
  return j;
}

function readIdent(expr: string, i: number): string {
  let j = i;
  while (j < expr.length && isIdent(expr[j])) j++;
  return expr.slice(i, j);
}

/** The matchers of the `{…}` opening at `i`: their label names, a `__name__="x"` name, and the index after `}`. */
function readMatchers(expr: string, i: number): { labels: string[]; name?: string; end: number } {
  const labels: string[] = [];
  let name: string | undefined;
  let j = i + 1;
  while (j < expr.length) {
    j = skipSpace(expr, j);
    if (expr[j] === "}") return { labels, name, end: j + 1 };
    if (expr[j] === ",") {
      j++;
      continue;
    }
    let label: string;
    if (expr[j] === '"' || expr[j] === "'") {
      // A quoted metric name or label (Prometheus 3's UTF-8 names).
      const end = skipString(expr, j);
      label = expr.slice(j + 1, end - 1);
      j = skipSpace(expr, end);
      if (expr[j] === "," || expr[j] === "}") {
        name = label;
        continue;
      }
    } else {
      label = readIdent(expr, j);
      if (!label) throw new Error(`unexpected "${expr[j]}" in the matchers of: ${expr}`);
      j = skipSpace(expr, j + label.length);
    }
    const op = /^(=~|!~|!=|=)/.exec(expr.slice(j))?.[0];
    if (!op) throw new Error(`no matcher operator after ${label} in: ${expr}`);
    j = skipSpace(expr, j + op.length);
    const end = skipString(expr, j);
    if (label === "__name__" && op === "=") name = expr.slice(j + 1, end - 1);
    else if (label !== "__name__") labels.push(label);
    j = end;
  }
  throw new Error(`unclosed { in: ${expr}`);
}

/** Reads a parenthesised label list at `i` (after a grouping keyword); returns the labels and the index after `)`. */
function readLabelList(expr: string, i: number): { labels: string[]; end: number } {
  const close = expr.indexOf(")", i);
  if (close < 0) throw new Error(`unclosed label list in: ${expr}`);
  const labels = expr
    .slice(i + 1, close)
    .split(",")
    .map((l) => l.trim().replace(/^["'](.*)["']$/, "$1"))
    .filter(Boolean);
  return { labels, end: close + 1 };
}

/** The selectors and grouping labels of a PromQL expression. */
export function extractQuery(expr: string): ExtractedQuery {
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === "`") i = skipString(expr, i);
    else if (c === "#") i = skipSpace(expr, i);
    else if (c === "[") {
      // A range or subquery: durations only.
      const close = expr.indexOf("]", i);
      i = close < 0 ? expr.length : close + 1;
    } else if (c === "{") {
      // A selector without a bare name: `{__name__="x", …}`.
      const m = readMatchers(expr, i);
      if (m.name) selectors.push({ metric: m.name, labels: m.labels });
      i = m.end;
    } else if (/[0-9.]/.test(c)) {
      // Numbers, hex, exponents and durations (5m, 1h30m, 1e3, 0x1f).
      let j = i;
      while (j < expr.length && /[0-9A-Za-z_.]/.test(expr[j])) j++;
      if (/[eE]$/.test(expr.slice(i, j)) && /[+-]/.test(expr[j] ?? "")) {
        j++;
        while (j < expr.length && /[0-9]/.test(expr[j])) j++;
      }
      i = j;
    } else if (isIdentStart(c)) {
      const word = readIdent(expr, i);
      const after = skipSpace(expr, i + word.length);
      const lower = word.toLowerCase();
      if (LABEL_LISTS.has(lower)) {
        if (expr[after] === "(") {
          const list = readLabelList(expr, after);
          groupingLabels.push(...list.labels);
          i = list.end;
        } else i = after; // group_left without labels
      } else if (
        KEYWORDS.has(lower) ||
        NUMBER_WORDS.has(lower) ||
        expr[after] === "(" ||
        /^(by|without)$/i.test(readIdent(expr, after))
      ) {
        i = i + word.length; // keyword, Inf/NaN, a function, or an aggregation (`sum by (…) (…)` too)
      } else if (expr[after] === "{") {
        const m = readMatchers(expr, after);
        selectors.push({ metric: word, labels: m.labels });
        i = m.end;
      } else {
        selectors.push({ metric: word, labels: [] });
        i = i + word.length;
      }
    } else i++;
  }
  return { selectors, groupingLabels: [...new Set(groupingLabels)] };
}

/** The metric names an expression selects, each once, in the order they first appear. */
export function metricNames(expr: string): string[] {
  return [...new Set(extractQuery(expr).selectors.map((s) => s.metric))];
}
