/**
 * The pinned versions at a commit, read from that commit's platform/versions.ts (self-contained by design: it
 * imports nothing), and the difference between two commits: the CHANGELOG's "Pinned versions" come from the
 * version table, never from hand-written notes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileAt } from "./history";

/** The tables a version table exports, in the order the CHANGELOG lists them. */
export const PIN_TABLES = ["PROVIDERS", "CHARTS", "IMAGES", "MANIFESTS"] as const;
export type PinTable = (typeof PIN_TABLES)[number];
const LABEL: Record<PinTable, string> = {
  PROVIDERS: "provider",
  CHARTS: "chart",
  IMAGES: "image",
  MANIFESTS: "manifest",
};

export interface Pin {
  readonly table: PinTable;
  readonly key: string;
  readonly version: string;
  /** Where it comes from: a chart's or an image's repository, a provider's source, a manifest's URL. */
  readonly from: string;
}

/** What a table entry pins: charts, providers and manifests a `version`, images a `tag`. */
function pinOf(table: PinTable, key: string, entry: Record<string, unknown>): Pin {
  const text = (name: string) => (typeof entry[name] === "string" ? (entry[name] as string) : "");
  const version = table === "IMAGES" ? text("tag") : text("version");
  const from = table === "PROVIDERS" ? text("source") : table === "MANIFESTS" ? text("url") : text("repository");
  return { table, key, version, from };
}

/** This project's root: where tsx is installed, so the version tables of other commits can be imported. */
const PROJECT = resolve(__dirname, "../..");

/** A commit's version tables as exported there (PROVIDERS, CHARTS, IMAGES, MANIFESTS, whichever exist). */
export type VersionTables = Partial<Record<PinTable, Record<string, Record<string, unknown>>>>;

/**
 * The version tables at each ref (one child process for all of them): `git show <ref>:platform/versions.ts` into a
 * temporary directory, imported with tsx. A ref without the file has no tables. The CHANGELOG's pin diff and
 * verify:upgrade's chart repository (scripts/local/upgrade.ts) both read older tables this way.
 */
export function versionTablesAt(root: string, refs: readonly string[]): VersionTables[] {
  const dir = mkdtempSync(join(tmpdir(), "cnai-pins-"));
  try {
    const files = refs.map((ref, i) => {
      const text = fileAt(root, ref, "platform/versions.ts");
      if (text === undefined) return undefined;
      const file = join(dir, `versions-${i}.ts`);
      writeFileSync(file, text);
      return file;
    });
    const script = join(dir, "dump.ts");
    writeFileSync(
      script,
      [
        `const files: Array<string | null> = ${JSON.stringify(files.map((f) => f ?? null))};`,
        `const tables = ${JSON.stringify(PIN_TABLES)};`,
        "const out: unknown[] = [];",
        "for (const f of files) {",
        "  if (f === null) { out.push({}); continue; }",
        "  const m = require(f) as Record<string, unknown>;",
        "  out.push(Object.fromEntries(tables.filter((t) => m[t] !== undefined).map((t) => [t, m[t]])));",
        "}",
        "process.stdout.write(JSON.stringify(out));",
      ].join("\n"),
    );
    return JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", script], { cwd: PROJECT, encoding: "utf8" }),
    ) as VersionTables[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pins at each ref, in table then key order. */
export function pinsAt(root: string, refs: readonly string[]): Pin[][] {
  return versionTablesAt(root, refs).map((tables) =>
    PIN_TABLES.flatMap((table) =>
      Object.entries(tables[table] ?? {})
        .map(([key, entry]) => pinOf(table, key, entry))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    ),
  );
}

export interface PinChange {
  readonly table: PinTable;
  readonly key: string;
  /** Undefined for a pin added. */
  readonly before?: Pin;
  /** Undefined for a pin removed. */
  readonly after?: Pin;
}

/** Every pin added, removed or changed (version or source), in table then key order. */
export function diffPins(before: readonly Pin[], after: readonly Pin[]): PinChange[] {
  const id = (p: Pin) => `${p.table}\u0000${p.key}`;
  const old = new Map(before.map((p) => [id(p), p]));
  const now = new Map(after.map((p) => [id(p), p]));
  const ids = [...new Set([...old.keys(), ...now.keys()])];
  const order = (i: string) => PIN_TABLES.indexOf(i.split("\u0000")[0] as PinTable);
  return ids
    .sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map((i) => ({ before: old.get(i), after: now.get(i) }))
    .filter(({ before: b, after: a }) => !b || !a || b.version !== a.version || b.from !== a.from)
    .map(({ before: b, after: a }) => ({ table: (a ?? b)!.table, key: (a ?? b)!.key, before: b, after: a }));
}

/** A pin as the CHANGELOG shows it: the version, and its source where the change moved it. */
function shown(pin: Pin | undefined, other: Pin | undefined): string {
  if (!pin) return "—";
  return other && other.from !== pin.from ? `${pin.version} (${pin.from})` : pin.version;
}

/** The "Pinned versions" table. */
export function pinChangesMarkdown(changes: readonly PinChange[]): string {
  if (changes.length === 0) return "No pinned version changed.";
  return [
    "| pin | before | after |",
    "|---|---|---|",
    ...changes.map(
      (c) => `| ${LABEL[c.table]} \`${c.key}\` | ${shown(c.before, c.after)} | ${shown(c.after, c.before)} |`,
    ),
  ].join("\n");
}
