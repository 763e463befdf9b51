import type { ProfileOverride } from "./schema";

/** The default profile: a CPU-only kind cluster (1 control-plane + 1 worker) running the whole platform. */
export const laptop: ProfileOverride = {
  name: "laptop",
  description: "kind on a laptop: 1 control-plane + 1 worker, CPU only, the whole platform",
  cluster: { name: "cnai-laptop" },
};
