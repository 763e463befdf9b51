/**
 * Loading a profile with every check: the schema and cross-field rules (profiles/), the component
 * graph, the samples' demands and the clouds' constraints. Every problem, whichever layer found it,
 * comes back in the one ProfileError.
 */
import { loadProfile } from "../profiles/load";
import { workerNames, workerProfile } from "../profiles/multicluster";
import type { Profile } from "../profiles/schema";
import { CATALOG } from "./catalog";
import { cloudProblems } from "./clouds/rules";
import { sampleProblems } from "./components/samples";
import { graphProblems } from "./graph";

/** Loads a profile with every check, including the component graph's and the cloud's. */
export function loadCheckedProfile(name: string, override?: unknown, catalog = CATALOG): Profile {
  return loadProfile(name, override, (profile) => [
    ...graphProblems(catalog, profile),
    ...sampleProblems(profile),
    ...cloudProblems(profile),
    // Each MultiKueue worker is a cluster of its own: the same checks, reported under workers.<name>.
    ...workerNames(profile).flatMap((worker) => {
      const derived = workerProfile(profile, worker);
      return [...graphProblems(catalog, derived), ...cloudProblems(derived)].map((problem) => ({
        ...problem,
        path: `workers.${worker}.${problem.path}`,
      }));
    }),
  ]);
}
