import { laptop } from "./laptop";
import { deepMerge } from "./merge";
import type { ProfileOverride } from "./schema";

/**
 * The laptop profile on a workstation with one NVIDIA GPU, exposed to the worker the way nvkind does
 * it, with the GPU Operator using the host's driver and toolkit (see platform/components/gpu-operator.ts).
 * The single worker stays untainted: a laptop cannot spare a CPU-only node for the platform.
 */
export const laptopGpu: ProfileOverride = deepMerge<ProfileOverride>(laptop, {
  name: "laptop-gpu",
  description: "kind with host GPU 0 on the worker (nvkind-style), GPU Operator with host driver and toolkit",
  cluster: { name: "cnai-laptop-gpu" },
  pools: { workers: { gpu: { accelerator: "nvidia-rtx", perNode: 1, sharing: { mode: "none" }, hostDevices: [0] } } },
  teams: { default: { quota: { workers: { gpu: 1 } } } },
  // kind on a Linux host: Kepler reads the host's RAPL counters (platform/components/kepler.ts).
  components: { "gpu-operator": { lifecycle: "managed" }, kepler: { lifecycle: "managed" } },
});
