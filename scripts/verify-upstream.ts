/**
 * Upstream conformance check (see verify/upstream.ts):
 *   npm run verify:upstream -- --dir ../shared/reference [--profile laptop|all]
 * Prints a report per profile and exits non-zero on any failure.
 */
import { resolve } from "node:path";
import { selectProfiles } from "../profiles/load";
import { workerNames, workerProfile } from "../platform/multicluster";
import { loadCheckedProfile } from "../platform/check";
import { CATALOG } from "../platform/catalog";
import { planSteps, resolveGraph } from "../platform/graph";
import { ReferenceDir } from "../verify/reference";
import { checkConformance } from "../verify/upstream";

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const dir = argument("--dir");
if (!dir) {
  console.error("Usage: npm run verify:upstream -- --dir <reference dir> [--profile <name>|all]");
  process.exit(2);
}
const reference = new ReferenceDir(resolve(dir));
let failed = 0;
const clusters = selectProfiles(argument("--profile") ?? "all").flatMap((name) => {
  const profile = loadCheckedProfile(name);
  // A MultiKueue profile's worker clusters install their own releases: check each as well.
  return [profile, ...workerNames(profile).map((worker) => workerProfile(profile, worker))];
});
for (const profile of clusters) {
  const report = checkConformance(reference, profile, planSteps(resolveGraph(CATALOG, profile)));
  console.log(
    `Profile ${report.profile}: ${report.failures.length === 0 ? "OK" : `${report.failures.length} FAILURE(S)`}`,
  );
  for (const line of report.checked) console.log(`  checked ${line}`);
  for (const line of report.failures) console.log(`  FAIL ${line}`);
  failed += report.failures.length;
}
process.exitCode = failed > 0 ? 1 : 0;
