/**
 * MultiKueue: a management cluster (the profile's own `cluster`) dispatches jobs to worker clusters.
 * Each worker runs the same component graph, derived from the profile: its own cluster and pools, the
 * teams' namespaces, queues for its pools (MultiKueue needs matching namespaces and LocalQueues), Kueue,
 * KubeRay and the GPU stack. Shared services (MLflow, the vector database, the object store, KServe)
 * stay on the management cluster.
 */
import type { ComponentId, Profile } from "./schema";

/** What a worker cluster does not run: the shared services live on the management cluster. */
const MANAGEMENT_ONLY: readonly ComponentId[] = [
  "cert-manager",
  "kserve",
  "postgres-operator",
  "postgresql",
  "object-store",
  "mlflow",
  "vector-database",
  "samples",
  "multikueue",
];

export function workerNames(profile: Profile): string[] {
  return Object.keys(profile.workers).sort();
}

/** The profile a worker cluster's stacks are built from. */
export function workerProfile(profile: Profile, worker: string): Profile {
  const spec = profile.workers[worker];
  const pools = new Set(Object.keys(spec.pools));
  const components = Object.fromEntries(
    Object.entries(profile.components).map(([id, settings]) => [
      id,
      MANAGEMENT_ONLY.includes(id as ComponentId) ? { lifecycle: "disabled" as const } : settings,
    ]),
  ) as Profile["components"];
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
