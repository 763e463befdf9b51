/**
 * Shared defaults every profile starts from. A profile is a small override of this object
 * (see `profiles/merge.ts` for the merge rule); nothing here is copied into the profiles. Each
 * profile names its own cluster: a kind cluster and an EKS one share no fields to default.
 */
import type { ProfileOverride } from "./schema";

export const DEFAULTS: ProfileOverride = {
  pools: {},
  teams: {},
  queueing: {
    cohort: "platform",
    fairSharing: false,
    // A team's nominal quota is guaranteed: it reclaims lent quota from any borrower, whatever the borrower's
    // priority (Kueue preempts only workloads of queues above their nominal quota). With `LowerPriority`, the
    // Kueue simulation (`npm run simulate`, README) showed cluster-gpu's research team, at batch priority, wait
    // 47 simulated minutes for its 12 MIG slices behind serving's interactive borrowers, with no preemption.
    // Never preempt to borrow.
    preemption: {
      reclaimWithinCohort: "Any",
      borrowWithinCohort: "Never",
      withinClusterQueue: "LowerPriority",
    },
  },
  samples: {},
  workers: {},
  sharedServices: {},
  vectorDatabase: { engine: "qdrant" },
  buckets: { mlflowArtifacts: "mlflow-artifacts", models: "models" },
  external: {},
  mirror: {},
  // Where the golden paths' and KServe's runtime images come from; a fork with a mirror lists only the mirror.
  security: { allowedRegistries: ["docker.io", "ghcr.io", "quay.io", "registry.k8s.io", "nvcr.io"] },
  components: {},
  // No carbon intensity: it needs a sourced, dated figure for the cluster's region (docs/energy.md).
  energy: {},
};
