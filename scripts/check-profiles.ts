/**
 * `npm run check:profiles`: every profile, the distribution's and the fork's (fork/profiles/), and every override
 * file in fork/overrides/ against the current schema, rules and component graph: what a fork runs after merging a
 * release. An override file is named after the profile it applies to: `<profile>.yaml` or `<profile>.<label>.yaml`.
 * Prints one line per check and every problem (with the migration a release recorded for it); exits 1 on any.
 */
import { basename, join } from "node:path";
import { loadCheckedProfile } from "../platform/check";
import { allProfiles, forkDir, forkFiles, shownPath } from "../profiles/fork";
import { readOverridesFile } from "../profiles/load";

export interface CheckResult {
  readonly what: string;
  readonly problem?: string;
}

/** Checks every profile and the fork's override files (profiles/fork.ts `forkDir`); every failure is a result. */
export function checkProfiles(): CheckResult[] {
  const attempt = (what: string, run: () => unknown): CheckResult => {
    try {
      run();
      return { what };
    } catch (error) {
      return { what, problem: (error as Error).message };
    }
  };
  let profiles: Record<string, unknown>;
  try {
    profiles = allProfiles();
  } catch (error) {
    return [{ what: "fork profiles", problem: (error as Error).message }];
  }
  const results = Object.keys(profiles).map((name) => attempt(`profile ${name}`, () => loadCheckedProfile(name)));
  for (const path of forkFiles(join(forkDir(), "overrides"))) {
    const file = shownPath(path);
    const profile = basename(path).split(".")[0];
    results.push(
      attempt(`override ${file} over ${profile}`, () => {
        if (profiles[profile] === undefined) {
          throw new Error(
            `${file}: an override file is named after the profile it applies to (<profile>.yaml or <profile>.<label>.yaml), and "${profile}" is not a profile; known: ${Object.keys(profiles).join(", ")}.`,
          );
        }
        loadCheckedProfile(profile, readOverridesFile(path));
      }),
    );
  }
  return results;
}

if (require.main === module) {
  const results = checkProfiles();
  for (const r of results) console.log(r.problem ? `FAIL ${r.what}\n${r.problem}` : `ok   ${r.what}`);
  const failed = results.filter((r) => r.problem).length;
  console.log(`check:profiles: ${failed === 0 ? "all valid" : `${failed} of ${results.length} invalid`}`);
  process.exitCode = failed > 0 ? 1 : 0;
}
