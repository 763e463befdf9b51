/**
 * MultiKueue worker clusters. Each worker runs the same component graph, derived from the profile: its own
 * cluster and pools, the teams' namespaces, queues for its pools (MultiKueue needs matching namespaces and
 * LocalQueues), and every component whose `placement` is `every-cluster` (Kueue, KubeRay, the GPU stack,
 * tenancy). The `management-only` components are shared services of the management cluster and are
 * disabled on workers.
 */
import type { Profile } from "../profiles/schema";
import { CATALOG } from "./catalog";
import type { ComponentDefinition } from "./component";

export { workerNames } from "../profiles/multicluster";

/** The profile a worker cluster's stacks are built from. */
export function workerProfile(
  profile: Profile,
  worker: string,
  catalog: readonly ComponentDefinition[] = CATALOG,
): Profile {
  const spec = profile.workers[worker];
  const pools = new Set(Object.keys(spec.pools));
  const components: Profile["components"] = { ...profile.components };
  for (const component of catalog) {
    if (component.placement === "management-only") components[component.id] = { lifecycle: "disabled" };
  }
  return {
    ...profile,
    name: `${profile.name}-${worker}`,
    description: `${profile.description}: worker ${worker}`,
    cluster: spec.cluster,
    pools: spec.pools,
    workers: {},
    samples: {},
    // The object store (and its cloud buckets) belongs to the management cluster.
    external: { ...profile.external, objectStore: undefined },
    // Each team's quota on this worker's pools only (a worker's queues cover its own flavors).
    teams: Object.fromEntries(
      Object.entries(profile.teams).map(([name, team]) => [
        name,
        { ...team, quota: Object.fromEntries(Object.entries(team.quota).filter(([pool]) => pools.has(pool))) },
      ]),
    ),
    components: { ...components, "gpu-operator": { lifecycle: spec.gpuOperator } },
  };
}
