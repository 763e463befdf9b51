import type { ProfileOverride } from "./schema";

/**
 * kind on a workstation with an NVIDIA GPU, exposed to the worker the way nvkind does it, and the
 * GPU Operator with driver and toolkit left to the host (see stacks/components/gpu-operator.ts).
 */
export const laptopGpu: ProfileOverride = {
  name: "laptop-gpu",
  description: "kind with NVIDIA GPU 0 on the worker (nvkind-style), GPU Operator with host driver and toolkit",
  cluster: { name: "cnai-laptop-gpu", workers: [{ gpus: [0], labels: {} }] },
  queue: { nominalQuota: { gpu: 1 } },
  components: { "gpu-operator": { lifecycle: "managed" } },
};
