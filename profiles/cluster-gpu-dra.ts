import { clusterGpu, GPU_TAINT } from "./cluster-gpu";
import type { ProfileOverride } from "./schema";

/**
 * cluster-gpu's 8-GPU server with every GPU handed out through Dynamic Resource Allocation (docs/dra.md): NVIDIA's
 * DRA driver publishes the whole GPUs and the static MIG devices the GPU Operator's MIG manager cuts, pods claim
 * them through ResourceClaimTemplates, and Kueue counts them against the same team quotas. Its samples are
 * training Jobs, the only golden-path kind that claims DRA devices here.
 */
export const clusterGpuDra: ProfileOverride = {
  ...clusterGpu,
  name: "cluster-gpu-dra",
  description:
    "kind on an 8-GPU A100 server, GPUs through DRA: system pool, MIG pool (28 × 1g.10gb devices), full-GPU pool (4), three teams",
  // Its own kind cluster, so it can run beside cluster-gpu on one host.
  cluster: { provider: "kind", name: "cnai-dra", controlPlanes: 1 },
  pools: {
    system: { nodes: 1 },
    mig: {
      nodes: 1,
      taints: [GPU_TAINT],
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 4,
        // DRA sees the MIG devices the MIG manager made; Kueue counts them per DeviceClass, so one profile only.
        sharing: { mode: "mig", strategy: "single", layout: "all-1g.10gb" },
        allocation: "dra",
        hostDevices: [0, 1, 2, 3],
      },
    },
    full: {
      nodes: 1,
      taints: [GPU_TAINT],
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 4,
        sharing: { mode: "none" },
        allocation: "dra",
        hostDevices: [4, 5, 6, 7],
      },
    },
  },
  samples: {
    pretrain: { kind: "training-job", team: "training", pool: "full", gpus: 2 },
    "finetune-slice": { kind: "training-job", team: "research", pool: "mig", gpus: 1 },
    "rag-index": { kind: "vector-client", team: "serving", pool: "system" },
  },
  components: {
    "gpu-operator": { lifecycle: "managed" },
    "dra-driver": { lifecycle: "managed" },
    kepler: { lifecycle: "managed" },
  },
};
