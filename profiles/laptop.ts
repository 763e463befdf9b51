import type { ProfileOverride } from "./schema";

/** The default profile: a CPU-only kind cluster (1 control-plane + 1 worker) running the whole platform for one team. */
export const laptop: ProfileOverride = {
  name: "laptop",
  description: "kind on a laptop: 1 control-plane + 1 worker, CPU only, the whole platform, one team",
  cluster: { provider: "kind", name: "cnai-laptop", controlPlanes: 1 },
  pools: { workers: { nodes: 1 } },
  teams: { default: { namespace: "team-default", quota: { workers: { cpu: "4", memory: "8Gi" } } } },
};
