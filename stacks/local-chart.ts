/**
 * Packs our cdk8s charts as local Helm charts that a `helm_release` installs. This is how custom
 * resources avoid `kubernetes_manifest`'s plan-time CRD lookup (the CRD is installed by an earlier
 * release in the same apply): Helm only talks to the API server at apply time.
 *
 * The chart folder is written to a temporary directory and copied by cdktf into the stack's
 * `assets/` with a content hash, so a changed manifest changes the release and an unchanged one is
 * byte-identical across synths.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AssetType, TerraformAsset } from "cdktf";
import type { Construct } from "constructs";
import type { LocalRelease } from "../platform/component";
import { renderLocalYaml } from "../platform/render";

/**
 * Our charts carry the distribution's version (package.json), so `helm list` and `helm history` show which release of
 * the distribution installed them, and each release upgrades them as a new chart version.
 */
const DISTRIBUTION_CHART_VERSION = (
  JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;
const scratchDirs: string[] = [];

/**
 * Helm evaluates `{{` in templates; our manifests are literal, so escape any that appear
 * (e.g. in a dashboard JSON) instead of letting Helm execute them.
 */
export function escapeHelmTemplates(yaml: string): string {
  return yaml.replace(/\{\{|\}\}/g, (braces) => `{{ "${braces}" }}`);
}

/** Writes the chart folder and registers it as a cdktf asset; returns the chart path relative to the stack folder. */
export function localChartAsset(scope: Construct, release: Pick<LocalRelease, "name" | "render">): string {
  const dir = mkdtempSync(join(tmpdir(), `cnai-chart-${release.name}-`));
  scratchDirs.push(dir);
  mkdirSync(join(dir, "templates"));
  writeFileSync(
    join(dir, "Chart.yaml"),
    `apiVersion: v2\nname: ${release.name}\nversion: ${DISTRIBUTION_CHART_VERSION}\ndescription: Objects the Cloud Native AI distribution owns (rendered by cdk8s)\n`,
  );
  writeFileSync(join(dir, "templates", "manifests.yaml"), escapeHelmTemplates(renderLocalYaml(release)));
  const asset = new TerraformAsset(scope, `chart-${release.name}`, { path: dir, type: AssetType.DIRECTORY });
  return asset.path;
}

/** Removes the temporary chart folders once cdktf has copied them into the output. */
export function cleanUpLocalCharts(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
