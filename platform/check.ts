/**
 * Loading a profile with every check: the schema and cross-field rules (profiles/), the profile's
 * `components` against the catalog, the component graph and each component's own rules, the namespaces
 * the components reserve, the samples' demands and the clouds' constraints. Every problem, whichever
 * layer found it, comes back in the one ProfileError.
 */
import type { Problem } from "../profiles/problems";
import { loadProfile } from "../profiles/load";
import { teamNames, teamNamespace } from "../profiles/plan";
import type { Profile } from "../profiles/schema";
import { CATALOG } from "./catalog";
import { cloudProblems } from "./clouds/rules";
import type { ComponentDefinition } from "./component";
import { sampleProblems } from "./components/samples";
import { componentProblems, graphProblems } from "./graph";
import { workerNames, workerProfile } from "./multicluster";

/** A team namespace that a component reserves (whatever its lifecycle, so enabling it later never collides). */
export function reservedNamespaceProblems(catalog: readonly ComponentDefinition[], profile: Profile): Problem[] {
  const owners = new Map<string, string[]>();
  for (const component of catalog) {
    for (const namespace of component.reservedNamespaces)
      owners.set(namespace, [...(owners.get(namespace) ?? []), component.id]);
  }
  return teamNames(profile).flatMap((team) => {
    const namespace = teamNamespace(team, profile.teams[team]);
    const owner = owners.get(namespace);
    return owner === undefined
      ? []
      : [
          {
            path: `teams.${team}.namespace`,
            value: namespace,
            allowed: `reserved by component ${owner.map((id) => `"${id}"`).join(", ")}; choose another, e.g. team-${team}`,
          },
        ];
  });
}

/** The checks that need the catalog, for one cluster's profile. */
function clusterProblems(catalog: readonly ComponentDefinition[], profile: Profile): Problem[] {
  return [
    ...componentProblems(catalog, profile),
    ...reservedNamespaceProblems(catalog, profile),
    ...graphProblems(catalog, profile),
    ...cloudProblems(profile),
  ];
}

/** Loads a profile with every check, including the component graph's and the cloud's. */
export function loadCheckedProfile(name: string, override?: unknown, catalog = CATALOG): Profile {
  return loadProfile(name, override, (profile) => [
    ...clusterProblems(catalog, profile),
    ...sampleProblems(profile),
    // Each MultiKueue worker is a cluster of its own: the same checks, reported under workers.<name>.
    ...workerNames(profile).flatMap((worker) =>
      clusterProblems(catalog, workerProfile(profile, worker, catalog)).map((problem) => ({
        ...problem,
        path: `workers.${worker}.${problem.path}`,
      })),
    ),
  ]);
}
