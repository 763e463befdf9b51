/**
 * Upstream conformance check (see verify/upstream.ts):
 *   npm run verify:upstream [-- --dir <reference dir>] [--profile laptop|all]
 * Without --dir it reads the reference data `npm run tools` chose (.tools/reference-dir). A custom resource
 * whose CRD the reference lacks is checked against the CRDs shipped in the profile's pinned chart archives
 * (verify/chart-crds.ts: the chart mirror or ../shared/offline/charts, else pulled with helm).
 * Prints a report per profile and exits non-zero on any failure.
 */
import { resolve } from "node:path";
import { selectProfiles } from "../profiles/load";
import { workerNames, workerProfile } from "../platform/multicluster";
import { loadCheckedProfile } from "../platform/check";
import { CATALOG } from "../platform/catalog";
import { planSteps, resolveGraph } from "../platform/graph";
import { ChartCrds } from "../verify/chart-crds";
import { recordedReferenceDir, ReferenceDir } from "../verify/reference";
import { checkConformance } from "../verify/upstream";

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function referenceDir(): string {
  const dir = argument("--dir");
  if (dir) return resolve(dir);
  try {
    const recorded = recordedReferenceDir(resolve(__dirname, ".."));
    console.log(`Reference data: ${recorded.dir} (${recorded.how})`);
    return recorded.dir;
  } catch (error) {
    console.error(`verify:upstream: ${(error as Error).message}`);
    process.exit(2);
  }
}

const reference = new ReferenceDir(referenceDir());
const chartCrds = new ChartCrds(resolve(__dirname, ".."));
let failed = 0;
const clusters = selectProfiles(argument("--profile") ?? "all").flatMap((name) => {
  const profile = loadCheckedProfile(name);
  // A MultiKueue profile's worker clusters install their own releases: check each as well.
  return [profile, ...workerNames(profile).map((worker) => workerProfile(profile, worker))];
});
for (const profile of clusters) {
  const report = checkConformance(reference, profile, planSteps(resolveGraph(CATALOG, profile)), { chartCrds });
  console.log(
    `Profile ${report.profile}: ${report.failures.length === 0 ? "OK" : `${report.failures.length} FAILURE(S)`}`,
  );
  for (const line of report.checked) console.log(`  checked ${line}`);
  for (const line of report.failures) console.log(`  FAIL ${line}`);
  failed += report.failures.length;
}
process.exitCode = failed > 0 ? 1 : 0;
