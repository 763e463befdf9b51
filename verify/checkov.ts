/**
 * The logic of the checkov config scan (`npm run verify:checkov`, scripts/checkov.sh and
 * scripts/checkov.ts): the skip list, the Terraform JSON workaround, and the triage of checkov's
 * findings into skipped and new ones. Running checkov itself is the script's job.
 *
 * Two checkov frameworks run over the synthesized output of every profile:
 *   terraform   checkov's `terraform_json` framework over each stacks/<stack>/cdk.tf.json (its
 *               `terraform` framework reads HCL only: checkov 3.3.30 terraform/tf_parser.py skips
 *               `.tf.json` files, "TODO: add support for .tf.json")
 *   kubernetes  the rendered manifests of our local charts, stacks/<stack>/assets/chart-<name>/<hash>/templates/manifests.yaml
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

export const FRAMEWORKS = ["terraform", "kubernetes"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** checkov's own name of each framework (`--framework`). */
export const CHECKOV_FRAMEWORK: Record<Framework, string> = { terraform: "terraform_json", kubernetes: "kubernetes" };

/** The checked-in skip list. */
export const SKIP_LIST_PATH = join(__dirname, "checkov-skips.yaml");

/** One skipped check: its id, the resources it is skipped for, and why. */
export interface Skip {
  readonly id: string;
  /**
   * checkov resource addresses, `*` matching any characters: `aws_s3_bucket.models-bucket` or
   * `data.aws_availability_zones.zones` (terraform), `Job.kueue-system.kueue-webhook-ready` (kind.namespace.name).
   */
  readonly resources: readonly string[];
  /** One line; a finding we mean to fix starts with "tracked: ". */
  readonly reason: string;
}

export type SkipList = Record<Framework, readonly Skip[]>;

export const CHECK_ID = /^CKV2?_[A-Z0-9_]+$/;

/** Parses and validates the skip list; throws one error listing every problem. */
export function parseSkipList(text: string): SkipList {
  const data: unknown = parse(text);
  const problems: string[] = [];
  const list: Record<Framework, Skip[]> = { terraform: [], kubernetes: [] };
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error(`checkov skip list: expected a map with the keys ${FRAMEWORKS.join(", ")}`);
  }
  for (const key of Object.keys(data)) {
    if (!(FRAMEWORKS as readonly string[]).includes(key)) problems.push(`unknown framework "${key}"`);
  }
  for (const framework of FRAMEWORKS) {
    const entries: unknown = (data as Record<string, unknown>)[framework] ?? [];
    if (!Array.isArray(entries)) {
      problems.push(`${framework}: expected a list of skips`);
      continue;
    }
    const seen = new Set<string>(); // "id resource-pattern"
    list[framework] = entries.flatMap((entry: unknown, index): Skip[] => {
      const where = `${framework}[${index}]`;
      if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
        problems.push(`${where}: expected a map with id, resources and reason`);
        return [];
      }
      const { id, resources, reason, ...rest } = entry as Record<string, unknown>;
      const before = problems.length;
      for (const key of Object.keys(rest)) problems.push(`${where}: unknown key "${key}"`);
      if (typeof id !== "string" || !CHECK_ID.test(id)) {
        problems.push(`${where}: id ${JSON.stringify(id)} is not a checkov check id (${CHECK_ID})`);
      }
      if (
        !Array.isArray(resources) ||
        resources.length === 0 ||
        !resources.every((r) => typeof r === "string" && /^\S+$/.test(r))
      ) {
        problems.push(`${where}: resources must be a non-empty list of resource addresses (globs with *)`);
      } else {
        for (const resource of resources as string[]) {
          if (seen.has(`${id} ${resource}`)) problems.push(`${where}: ${id} ${resource} is listed twice`);
          seen.add(`${id} ${resource}`);
        }
      }
      if (typeof reason !== "string" || reason.trim() === "" || /[\r\n]/.test(reason.trim())) {
        problems.push(`${where}: reason must be one non-empty line`);
      }
      if (problems.length > before) return [];
      return [{ id: id as string, resources: resources as string[], reason: (reason as string).trim() }];
    });
  }
  if (problems.length > 0) throw new Error(`checkov skip list:\n  ${problems.join("\n  ")}`);
  return list;
}

export function loadSkipList(path: string = SKIP_LIST_PATH): SkipList {
  return parseSkipList(readFileSync(path, "utf8"));
}

/**
 * checkov 3.3.30 cannot parse a `terraform` block that holds a plain value, which CDKTF writes for
 * `terraform.required_version` (the cloud stacks set it, stacks/clusters/state.ts): in
 * checkov/terraform_json/parser.py, `handle_block_type` hands every member of a non-resource block to
 * `hclify`, which raises "this method receives only dicts" for the string. checkov then logs "Failed
 * to parse template", counts a parsing error, scans nothing of that file and still exits 0
 * (bridgecrewio/checkov issue #7454, open; fix proposed in pull request #7467).
 *
 * So checkov scans a copy of each stack from which the plain (non-object) members of the top-level
 * `terraform` block are removed. No checkov check reads them (they constrain the OpenTofu version,
 * not a resource), and everything else is kept as synthesized. The copy is written with two-space
 * indentation, which `resourceLines` relies on. Returns the copy and the removed keys.
 */
export function checkovReadyTfJson(text: string): { text: string; removed: string[] } {
  const json = JSON.parse(text) as Record<string, unknown>;
  const removed: string[] = [];
  const settings = json.terraform;
  if (typeof settings === "object" && settings !== null && !Array.isArray(settings)) {
    const block = settings as Record<string, unknown>;
    for (const [key, value] of Object.entries(block)) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        delete block[key];
        removed.push(`terraform.${key}`);
      }
    }
  }
  return { text: `${JSON.stringify(json, null, 2)}\n`, removed };
}

/**
 * The line of each resource and data source in Terraform JSON written with two-space indentation,
 * mapped to its address (`type.name`, `data.type.name`). checkov's terraform_json runner reports a
 * Python check's resource as `resource.<name>` or `data.<name>`, without the type (checkov 3.3.30
 * terraform_json/runner.py `run_block`: `entity_id = f"{block_type}.{entity_name}"`), but with the
 * first line of the block, so the address is recovered from that line.
 */
export function resourceLines(text: string): Map<number, string> {
  const lines = new Map<number, string>();
  const path: string[] = [];
  text.split("\n").forEach((line, index) => {
    const match = /^( *)"((?:[^"\\]|\\.)*)": [{[]/.exec(line);
    if (!match || match[1].length % 2 !== 0) return;
    const depth = match[1].length / 2; // the top-level keys are at depth 1
    path.length = depth - 1;
    path[depth - 1] = JSON.parse(`"${match[2]}"`) as string;
    if (depth === 3 && (path[0] === "resource" || path[0] === "data")) {
      lines.set(index + 1, `${path[0] === "data" ? "data." : ""}${path[1]}.${path[2]}`);
    }
  });
  return lines;
}

/** A failed check as checkov reports it in `-o json` (the fields used here). */
export interface CheckovRecord {
  readonly check_id: string;
  readonly check_name: string;
  readonly resource: string;
  readonly file_path: string;
  readonly file_line_range?: readonly number[];
}

/** One report of checkov's `-o json` output (a list when several frameworks ran). */
export interface CheckovReport {
  readonly check_type?: string;
  readonly results?: { readonly failed_checks?: readonly CheckovRecord[] };
  readonly summary: {
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly parsing_errors: number;
    /** Objects checkov parsed (for Kubernetes: every object, plus a Pod for each workload's template). */
    readonly resource_count?: number;
  };
}

export interface Finding {
  readonly framework: Framework;
  readonly checkId: string;
  readonly checkName: string;
  /** The resource address skips match against. */
  readonly resource: string;
  /** The file as checkov names it, relative to the scanned folder, with a leading slash. */
  readonly file: string;
  readonly line: number | undefined;
}

/**
 * The failed checks of a report as findings. `addresses` maps a file (as checkov names it) to
 * `resourceLines` of it, to put the resource type back into terraform_json addresses.
 */
export function findingsOf(
  framework: Framework,
  report: CheckovReport,
  addresses: ReadonlyMap<string, ReadonlyMap<number, string>> = new Map(),
): Finding[] {
  return (report.results?.failed_checks ?? []).map((record) => {
    const line = record.file_line_range?.[0];
    const address = line === undefined ? undefined : addresses.get(record.file_path)?.get(line);
    return {
      framework,
      checkId: record.check_id,
      checkName: record.check_name,
      resource: address ?? record.resource,
      file: record.file_path,
      line,
    };
  });
}

function globMatches(pattern: string, value: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(value);
}

export function skipMatches(skip: Skip, finding: Finding): boolean {
  return skip.id === finding.checkId && skip.resources.some((pattern) => globMatches(pattern, finding.resource));
}

export interface Triage {
  readonly skipped: ReadonlyArray<{ readonly finding: Finding; readonly skip: Skip }>;
  /** Findings no skip covers: these fail the scan. */
  readonly fresh: readonly Finding[];
  /** Skip patterns (`id resource-pattern`) that matched no finding: stale, they fail the scan too. */
  readonly unused: readonly string[];
}

/** Splits a framework's findings into skipped and new ones, and finds the skip patterns nothing matched. */
export function triage(findings: readonly Finding[], skips: readonly Skip[]): Triage {
  const skipped: Array<{ finding: Finding; skip: Skip }> = [];
  const fresh: Finding[] = [];
  for (const finding of findings) {
    const skip = skips.find((s) => skipMatches(s, finding));
    if (skip) skipped.push({ finding, skip });
    else fresh.push(finding);
  }
  const unused = skips.flatMap((skip) =>
    skip.resources
      .filter((pattern) => !findings.some((f) => f.checkId === skip.id && globMatches(pattern, f.resource)))
      .map((pattern) => `${skip.id} ${pattern}`),
  );
  return { skipped, fresh, unused };
}

/**
 * Why a framework's scan cannot be trusted, if it cannot: checkov exits 0 when it parsed nothing
 * (a file it cannot parse is only counted in `parsing_errors`), so a scan must have run checks and
 * parsed every file.
 */
export function scanProblems(framework: Framework, report: CheckovReport, objects?: number): string[] {
  const { passed, failed, parsing_errors: parsingErrors, resource_count: parsed } = report.summary;
  const problems: string[] = [];
  if (parsingErrors > 0) problems.push(`${framework}: checkov could not parse ${parsingErrors} file(s)`);
  if (passed + failed === 0) problems.push(`${framework}: checkov ran no check (an empty scan proves nothing)`);
  // A manifest file checkov's YAML loader refuses is dropped whole, without a parsing error.
  if (objects !== undefined && (parsed ?? 0) < objects) {
    problems.push(
      `${framework}: checkov parsed ${parsed ?? 0} resources of ${objects} objects in the manifests: a file it could not read was skipped silently`,
    );
  }
  return problems;
}

/**
 * A local chart's template as Helm renders it: our templates are literal YAML in which every `{{` and `}}` is
 * escaped as `{{ "{{" }}` and `{{ "}}" }}` (stacks/local-chart.ts `escapeHelmTemplates`). checkov reads the
 * template file, and an escape inside a quoted string (an Argo `"{{workflow.name}}"`) is not valid YAML, so the
 * scan reads the rendered text instead: the objects the cluster gets.
 */
export function helmRenderedText(template: string): string {
  return template.replace(/\{\{ "(\{\{|\}\})" \}\}/g, (_escape, braces: string) => braces);
}

/** The objects in a multi-document manifest (empty documents and comments do not count). */
export function manifestObjectCount(text: string): number {
  return parseAllDocuments(text).filter((document) => {
    const value = document.toJS() as unknown;
    return typeof value === "object" && value !== null;
  }).length;
}
