/**
 * Fetches the pinned upstream charts with `helm pull` into the reference layout that the tests and
 * `npm run verify:upstream` read (verify/reference.ts describes it). `npm run tools` runs it once
 * when neither CNAI_REFERENCE_DIR nor ../shared/reference provides the data (scripts/reference.sh),
 * into the tools cache; by hand:
 *   npm run fetch:upstream -- --out <dir> [--chart <key of platform/versions.ts>]
 *   npm run fetch:upstream -- --key        prints the cache key: a hash of the chart table and this script
 *
 * helm: $HELM, else the helm that `npm run tools` builds (${CNAI_TOOLS_DIR:-~/.cache/cnai-tools}/bin/helm).
 * Where the charts come from: each chart's own Helm repository or OCI registry (platform/versions.ts), or,
 * with CNAI_CHART_REPOSITORY=<url>, every chart from that one Helm repository (an organisation's chart
 * mirror; `oci://…` for a mirror that is an OCI registry), by the same chart name and version.
 *
 * For each chart: values.yaml, values.schema.json and subchart values.yaml files are copied; the CRDs
 * come from `helm template --include-crds` (so templated CRDs count too); a chart without a
 * values.yaml gets values-referenced.txt, the `.Values` paths its templates read.
 * The first chart that cannot be pulled stops the run with one line on stderr and exit code 1.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import type { ChartVersion } from "../platform/versions";
import { CHARTS } from "../platform/versions";
import { helm, PULL_TIMEOUT_SECONDS, pullArguments, ToolError } from "../verify/charts";

function pull(entry: ChartVersion, mirror: string | undefined, into: string): string {
  const args = pullArguments(mirror ?? entry.repository, entry.chart, entry.version);
  helm([...args, "--untar", "--untardir", into], `helm ${args.join(" ")}`, PULL_TIMEOUT_SECONDS);
  return join(into, entry.chart);
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** What the fetched data depends on: the chart table and this script. */
function cacheKey(): string {
  return createHash("sha256")
    .update(JSON.stringify(CHARTS))
    .update(readFileSync(__filename))
    .digest("hex")
    .slice(0, 16);
}

/** The `.Values.a.b` paths a chart's templates read, for charts that ship no values.yaml. */
function referencedValuePaths(chartDir: string): string[] {
  const paths = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, name.name);
      if (name.isDirectory()) walk(path);
      else
        for (const match of readFileSync(path, "utf8").matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g))
          paths.add(match[1].slice(1));
    }
  };
  if (existsSync(join(chartDir, "templates"))) walk(join(chartDir, "templates"));
  return [...paths].sort();
}

function fetchChart(key: string, entry: ChartVersion, mirror: string | undefined, out: string, scratch: string): void {
  const chartDir = pull(entry, mirror, join(scratch, key));
  const target = join(out, "charts", `${entry.chart}-${entry.version}`);
  mkdirSync(target, { recursive: true });
  for (const file of ["values.yaml", "values.schema.json"]) {
    if (existsSync(join(chartDir, file))) copyFileSync(join(chartDir, file), join(target, file));
  }
  if (!existsSync(join(chartDir, "values.yaml"))) {
    writeFileSync(join(target, "values-referenced.txt"), `${referencedValuePaths(chartDir).join("\n")}\n`);
  }
  // Packaged dependencies arrive as archives: unpack them, then keep each subchart's defaults.
  const subcharts = join(chartDir, "charts");
  const entries = existsSync(subcharts) ? readdirSync(subcharts) : [];
  for (const archive of entries.filter((name) => name.endsWith(".tgz"))) {
    execFileSync("tar", ["-xzf", join(subcharts, archive), "-C", subcharts]);
  }
  for (const sub of existsSync(subcharts) ? readdirSync(subcharts) : []) {
    if (!existsSync(join(subcharts, sub, "values.yaml"))) continue;
    mkdirSync(join(target, "charts", sub), { recursive: true });
    copyFileSync(join(subcharts, sub, "values.yaml"), join(target, "charts", sub, "values.yaml"));
  }
  const rendered = helm(["template", key, chartDir, "--include-crds"], `helm template ${entry.chart} ${entry.version}`);
  const crds = parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((doc) => doc?.kind === "CustomResourceDefinition");
  if (crds.length > 0) {
    const crdDir = join(out, "crds", `${entry.chart}-${entry.version}`);
    mkdirSync(crdDir, { recursive: true });
    for (const crd of crds) writeFileSync(join(crdDir, `${crd?.metadata?.name}.yaml`), stringify(crd));
  }
  console.log(`${entry.chart} ${entry.version}: values${crds.length ? `, ${crds.length} CRDs` : ""}`);
}

function main(): void {
  if (process.argv.includes("--key")) {
    console.log(cacheKey());
    return;
  }
  const out = resolve(argument("--out") ?? "upstream");
  const only = argument("--chart");
  if (only !== undefined && !(only in CHARTS)) {
    throw new ToolError(
      `--chart is "${only}", which is not a key of CHARTS in platform/versions.ts; use one of: ${Object.keys(CHARTS).join(", ")}`,
    );
  }
  const mirror = process.env.CNAI_CHART_REPOSITORY || undefined;
  const scratch = mkdtempSync(join(tmpdir(), "cnai-fetch-"));
  try {
    for (const [key, entry] of Object.entries(CHARTS)) {
      if (only === undefined || only === key) fetchChart(key, entry, mirror, out, scratch);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (error) {
  if (!(error instanceof ToolError)) throw error;
  console.error(`fetch-upstream: ${error.message}`);
  process.exitCode = 1;
}
