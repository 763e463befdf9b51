/**
 * Fetches the pinned upstream charts with `helm pull` into the layout `npm run verify:upstream`
 * reads (the layout of ../shared/reference), so users' CI re-checks every values key and custom
 * resource whenever the version table changes:
 *   npm run fetch:upstream -- --out upstream && npm run verify:upstream -- --dir upstream
 * Needs `helm` (v3.8+ for OCI charts) and network access to the chart repositories.
 *
 * For each chart: values.yaml, values.schema.json and subchart values.yaml files are copied; the CRDs
 * come from `helm template --include-crds` (so templated CRDs count too); a chart without a
 * values.yaml gets values-referenced.txt, the `.Values` paths its templates read.
 */
import { execFileSync } from "node:child_process";
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

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const helm = process.env.HELM ?? "helm";
const run = (args: string[], cwd?: string): string =>
  execFileSync(helm, args, { encoding: "utf8", cwd, maxBuffer: 1 << 28 });

function pull(entry: ChartVersion, into: string): string {
  const oci = entry.repository.startsWith("oci://");
  const ref = oci ? `${entry.repository}/${entry.chart}` : entry.chart;
  run([
    "pull",
    ref,
    ...(oci ? [] : ["--repo", entry.repository]),
    "--version",
    entry.version,
    "--untar",
    "--untardir",
    into,
  ]);
  return join(into, entry.chart);
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

function main(): void {
  const out = resolve(argument("--out") ?? "upstream");
  const only = argument("--chart");
  const scratch = mkdtempSync(join(tmpdir(), "cnai-fetch-"));
  try {
    for (const [key, entry] of Object.entries(CHARTS)) {
      if (only && only !== key) continue;
      const chartDir = pull(entry, join(scratch, key));
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
      const rendered = run(["template", key, chartDir, "--include-crds"]);
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
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main();
