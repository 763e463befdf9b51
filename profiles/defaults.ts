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
    // Reclaim lent quota from lower-priority borrowers; never preempt to borrow.
    preemption: {
      reclaimWithinCohort: "LowerPriority",
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
};
