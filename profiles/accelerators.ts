/**
 * The NVIDIA accelerators a GPU pool can name, with what sharing each supports.
 *
 * MIG layouts are the GPU Operator v26.7.0 mig-parted configs (config name → MIG devices per GPU),
 * from NVIDIA/gpu-operator@v26.7.0:assets/state-mig-manager/0400_configmap.yaml. MPS replicas are capped
 * at 48 for compute capability ≥ 7.5 and 16 below (NVIDIA/k8s-device-plugin@v0.20.0:cmd/mps-control-daemon/mps/device.go).
 */

/** MIG devices per GPU for one mig-parted config, e.g. { "1g.10gb": 7 }. */
export type MigLayout = Readonly<Record<string, number>>;

export interface Accelerator {
  readonly description: string;
  readonly memoryGiB: number;
  /** MIG configs by name (the value of the `nvidia.com/mig.config` node label); absent: no MIG. */
  readonly migLayouts?: Readonly<Record<string, MigLayout>>;
  readonly maxMpsReplicas: number;
}

const A100_80_LAYOUTS: Record<string, MigLayout> = {
  "all-1g.10gb": { "1g.10gb": 7 },
  "all-1g.20gb": { "1g.20gb": 4 },
  "all-2g.20gb": { "2g.20gb": 3 },
  "all-3g.40gb": { "3g.40gb": 2 },
  "all-4g.40gb": { "4g.40gb": 1 },
  "all-7g.80gb": { "7g.80gb": 1 },
  "all-balanced": { "1g.10gb": 2, "2g.20gb": 1, "3g.40gb": 1 },
};

export const ACCELERATORS = {
  "nvidia-rtx": {
    description: "A workstation or laptop GeForce/RTX GPU (no MIG)",
    memoryGiB: 16,
    maxMpsReplicas: 48,
  },
  "nvidia-t4": { description: "NVIDIA T4 16 GB (no MIG)", memoryGiB: 16, maxMpsReplicas: 48 },
  "nvidia-l4": { description: "NVIDIA L4 24 GB (no MIG)", memoryGiB: 24, maxMpsReplicas: 48 },
  "nvidia-a10g": { description: "NVIDIA A10G 24 GB (no MIG)", memoryGiB: 24, maxMpsReplicas: 48 },
  "nvidia-a30": {
    description: "NVIDIA A30 24 GB",
    memoryGiB: 24,
    maxMpsReplicas: 48,
    migLayouts: {
      "all-1g.6gb": { "1g.6gb": 4 },
      "all-2g.12gb": { "2g.12gb": 2 },
      "all-4g.24gb": { "4g.24gb": 1 },
      "all-balanced": { "1g.6gb": 2, "2g.12gb": 1 },
    },
  },
  "nvidia-a100-40gb": {
    description: "NVIDIA A100 40 GB",
    memoryGiB: 40,
    maxMpsReplicas: 48,
    migLayouts: {
      "all-1g.5gb": { "1g.5gb": 7 },
      "all-2g.10gb": { "2g.10gb": 3 },
      "all-3g.20gb": { "3g.20gb": 2 },
      "all-4g.20gb": { "4g.20gb": 1 },
      "all-7g.40gb": { "7g.40gb": 1 },
      "all-balanced": { "1g.5gb": 2, "2g.10gb": 1, "3g.20gb": 1 },
    },
  },
  "nvidia-a100-80gb": {
    description: "NVIDIA A100 80 GB",
    memoryGiB: 80,
    maxMpsReplicas: 48,
    migLayouts: A100_80_LAYOUTS,
  },
  "nvidia-h100-80gb": {
    description: "NVIDIA H100 80 GB",
    memoryGiB: 80,
    maxMpsReplicas: 48,
    migLayouts: A100_80_LAYOUTS,
  },
  "nvidia-h200-141gb": {
    description: "NVIDIA H200 141 GB",
    memoryGiB: 141,
    maxMpsReplicas: 48,
    migLayouts: {
      "all-1g.18gb": { "1g.18gb": 7 },
      "all-1g.35gb": { "1g.35gb": 4 },
      "all-2g.35gb": { "2g.35gb": 3 },
      "all-3g.71gb": { "3g.71gb": 2 },
      "all-4g.71gb": { "4g.71gb": 1 },
      "all-7g.141gb": { "7g.141gb": 1 },
      "all-balanced": { "1g.18gb": 2, "2g.35gb": 1, "3g.71gb": 1 },
    },
  },
} as const satisfies Record<string, Accelerator>;

export type AcceleratorId = keyof typeof ACCELERATORS;
export const ACCELERATOR_IDS = Object.keys(ACCELERATORS) as [AcceleratorId, ...AcceleratorId[]];

export function accelerator(id: AcceleratorId): Accelerator {
  return ACCELERATORS[id];
}
