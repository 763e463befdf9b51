/**
 * The tests' view of the pinned upstream reference data, through the same checks
 * `npm run verify:upstream` runs (verify/). Which folder that is, `npm run tools` decides once
 * (scripts/reference.sh: CNAI_REFERENCE_DIR, else ../shared/reference, else fetched with helm) and
 * records in .tools/reference-dir; the tests only read that record. CRDs the reference lacks come from
 * the pinned chart archives (verify/chart-crds.ts), as for `npm run verify:upstream`.
 */
import { resolve } from "node:path";
import type { ChartKey } from "../../platform/versions";
import { CHARTS } from "../../platform/versions";
import { ChartCrds } from "../../verify/chart-crds";
import type { CrdVersionSchema } from "../../verify/reference";
import { recordedReferenceDir, ReferenceDir } from "../../verify/reference";
import { unknownValueKeys } from "../../verify/values-keys";

export { schemaProblems } from "../../verify/schema";

/** The pinned upstream data, as `npm run tools` recorded it. */
export const REFERENCE_DIR = recordedReferenceDir(resolve(__dirname, "../..")).dir;
export const reference = new ReferenceDir(REFERENCE_DIR);
/** The CRDs shipped in the pinned chart archives (the offline stand-in here): the fallback after `reference`. */
export const chartCrds = new ChartCrds(resolve(__dirname, "../.."));

/** The reference folder of a chart: `charts/<chart>-<version>`. */
export function chartReferenceDir(key: ChartKey): string {
  return reference.chartDir(CHARTS[key].chart, CHARTS[key].version);
}

export function referenceValues(key: ChartKey): Record<string, unknown> {
  const values = reference.values(CHARTS[key].chart, CHARTS[key].version);
  if (!values) throw new Error(`No reference values.yaml for ${key}`);
  return values;
}

/** Every values path we set that the pinned chart does not have (rules in verify/values-keys.ts). */
export function unknownValuePaths(key: ChartKey, values: unknown): string[] {
  return unknownValueKeys(reference, key, values).map((u) => u.path);
}

export function crdFor(apiVersion: string, kind: string): CrdVersionSchema | undefined {
  return reference.crdFor(apiVersion, kind);
}
