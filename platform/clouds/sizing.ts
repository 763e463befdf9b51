/**
 * What each cloud offers a pool: the GPU instance (machine, VM) types per accelerator, the CPU default,
 * and how the cloud cuts a GPU into MIG partitions. One picker serves EKS, GKE and AKS alike; it returns
 * a problem instead of throwing, so every pool's problem reaches the profile's one error
 * (platform/clouds/rules.ts), and the cluster stacks and the cost report call the same functions.
 */
import type { AcceleratorId, MigLayout } from "../../profiles/accelerators";
import { ACCELERATORS } from "../../profiles/accelerators";
import type { Problem } from "../../profiles/problems";
import { show } from "../../profiles/problems";
import type { Pool } from "../../profiles/schema";

export type Cloud = "eks" | "gke" | "aks";

/** An instance type and the GPUs each instance of it carries. */
export interface GpuInstanceType {
  readonly type: string;
  readonly gpus: number;
}

/** A cloud's offer of one accelerator. */
export interface CloudAccelerator {
  /** The types that carry it, fewest GPUs first. */
  readonly types: readonly GpuInstanceType[];
  /** GKE: the Compute Engine accelerator type a node pool names (`guest_accelerator.type`). */
  readonly acceleratorType?: string;
}

export type AcceleratorTable = Readonly<Partial<Record<AcceleratorId, CloudAccelerator>>>;

/**
 * EC2 types per accelerator. Families: rapidsai/deployment:source/cloud/aws/index.md
 * (https://github.com/rapidsai/deployment/blob/main/source/cloud/aws/index.md: g4dn T4, g5 A10G, g6 L4,
 * p4d.24xlarge 8× A100 40 GB, p5.48xlarge 8× H100) and dstackai/dstack#4110 (p5en.48xlarge 8× H200). GPU
 * counts of the sizes: the same rapidsai table (g4dn.xlarge 1, g4dn.12xlarge 4, g5.48xlarge 8, g6.48xlarge 8);
 * g5.xlarge 1 and g5.12xlarge 4 from a third-party AWS GPU table
 * (gist.github.com/shashankprasanna/10ebe6dc1ba1d8d93db17da4e2cc890e); g6.xlarge 1 and g6.12xlarge 4 by the
 * G6 sizing pattern of g5 [not verified here]. Every family here is on the AL2023 and Bottlerocket NVIDIA AMI
 * list (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.md).
 * No AWS type: nvidia-rtx (workstation GPUs) and nvidia-a30.
 */
export const EKS_GPU_INSTANCE_TYPES: AcceleratorTable = {
  "nvidia-t4": {
    types: [
      { type: "g4dn.xlarge", gpus: 1 },
      { type: "g4dn.12xlarge", gpus: 4 },
    ],
  },
  "nvidia-a10g": {
    types: [
      { type: "g5.xlarge", gpus: 1 },
      { type: "g5.12xlarge", gpus: 4 },
      { type: "g5.48xlarge", gpus: 8 },
    ],
  },
  "nvidia-l4": {
    types: [
      { type: "g6.xlarge", gpus: 1 },
      { type: "g6.12xlarge", gpus: 4 },
      { type: "g6.48xlarge", gpus: 8 },
    ],
  },
  "nvidia-a100-40gb": { types: [{ type: "p4d.24xlarge", gpus: 8 }] },
  // A100 80 GB → p4de [not verified here].
  "nvidia-a100-80gb": { types: [{ type: "p4de.24xlarge", gpus: 8 }] },
  "nvidia-h100-80gb": { types: [{ type: "p5.48xlarge", gpus: 8 }] },
  "nvidia-h200-141gb": { types: [{ type: "p5en.48xlarge", gpus: 8 }] },
};

/**
 * GKE accelerator type and machine types per accelerator (A and G series come with their GPUs; N1 takes
 * attached T4s). Accelerator types and series ↔ GPU: https://cloud.google.com/compute/docs/gpus. GPUs per
 * machine type (G2, A2 Standard and Ultra, A3 High and Ultra):
 * https://cloud.google.com/compute/docs/accelerator-optimized-machines. The N1 shapes for T4 are our choice
 * of size (any N1 shape within the per-GPU vCPU limits works) [vCPU limits not verified here].
 * No entry: nvidia-rtx (workstation GPU), nvidia-a10g (AWS only), nvidia-a30 (not offered on Compute Engine).
 */
export const GKE_ACCELERATORS: AcceleratorTable = {
  "nvidia-t4": {
    acceleratorType: "nvidia-tesla-t4",
    types: [
      { type: "n1-standard-8", gpus: 1 },
      { type: "n1-standard-16", gpus: 2 },
      { type: "n1-standard-32", gpus: 4 },
    ],
  },
  "nvidia-l4": {
    acceleratorType: "nvidia-l4",
    types: [
      { type: "g2-standard-4", gpus: 1 },
      { type: "g2-standard-24", gpus: 2 },
      { type: "g2-standard-48", gpus: 4 },
      { type: "g2-standard-96", gpus: 8 },
    ],
  },
  "nvidia-a100-40gb": {
    acceleratorType: "nvidia-tesla-a100",
    types: [
      { type: "a2-highgpu-1g", gpus: 1 },
      { type: "a2-highgpu-2g", gpus: 2 },
      { type: "a2-highgpu-4g", gpus: 4 },
      { type: "a2-highgpu-8g", gpus: 8 },
      { type: "a2-megagpu-16g", gpus: 16 },
    ],
  },
  "nvidia-a100-80gb": {
    acceleratorType: "nvidia-a100-80gb",
    types: [
      { type: "a2-ultragpu-1g", gpus: 1 },
      { type: "a2-ultragpu-2g", gpus: 2 },
      { type: "a2-ultragpu-4g", gpus: 4 },
      { type: "a2-ultragpu-8g", gpus: 8 },
    ],
  },
  // A3 High also has 1g/2g/4g shapes for some provisioning models [not verified here]; 8g is the documented one.
  "nvidia-h100-80gb": { acceleratorType: "nvidia-h100-80gb", types: [{ type: "a3-highgpu-8g", gpus: 8 }] },
  // A3 Ultra: 8× H200 (also GoogleCloudPlatform/hpc-toolkit v1.44.1 release notes).
  "nvidia-h200-141gb": { acceleratorType: "nvidia-h200-141gb", types: [{ type: "a3-ultragpu-8g", gpus: 8 }] },
};

/**
 * AKS GPU VM sizes per accelerator. Series: ND A100 v4 8× A100 40 GB
 * (https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/ndasra100v4-series), ND H100 v5
 * 8× H100 (https://learn.microsoft.com/azure/virtual-machines/sizes/gpu-accelerated/ndh100v5-series), NC A100 v4
 * one to four A100 80 GB PCIe; the sizes' GPU counts [not verified here] against Azure's size pages. The
 * NC*ads_H100_v5 sizes are H100 NVL (94 GB), so they are not an `nvidia-h100-80gb` type.
 */
export const AKS_GPU_VM_SIZES: AcceleratorTable = {
  "nvidia-t4": {
    types: [
      { type: "Standard_NC4as_T4_v3", gpus: 1 },
      { type: "Standard_NC64as_T4_v3", gpus: 4 },
    ],
  },
  "nvidia-a100-80gb": {
    types: [
      { type: "Standard_NC24ads_A100_v4", gpus: 1 },
      { type: "Standard_NC48ads_A100_v4", gpus: 2 },
      { type: "Standard_NC96ads_A100_v4", gpus: 4 },
    ],
  },
  "nvidia-a100-40gb": { types: [{ type: "Standard_ND96asr_v4", gpus: 8 }] },
  "nvidia-h100-80gb": { types: [{ type: "Standard_ND96isr_H100_v5", gpus: 8 }] },
};

/** EKS CPU pools without an instanceType: 4 vCPU / 16 GiB general purpose, room for the platform's operators. */
export const EKS_CPU_INSTANCE_TYPE = "m6i.xlarge";

/** GKE CPU pools: a small general-purpose machine (4 vCPU, 16 GB). */
export const GKE_CPU_MACHINE_TYPE = "e2-standard-4";

/** AKS CPU pools without an `instanceType`: 4 vCPU / 16 GiB general purpose. */
export const AKS_DEFAULT_CPU_VM_SIZE = "Standard_D4s_v5";

/**
 * EKS GPU nodes pull CUDA and model images of many GB; the node group default is 20 GiB
 * (hashicorp/terraform-provider-aws@v6.25.0:website/docs/r/eks_node_group.html.markdown, `disk_size`).
 */
export const EKS_GPU_DISK_GIB = 100;

/**
 * The MIG slice counts AKS's `gpu_instance` takes, MIG1g … MIG7g
 * (hashicorp/terraform-provider-azurerm@v4.55.0:website/docs/r/kubernetes_cluster_node_pool.html.markdown).
 */
export const AKS_MIG_SLICES: readonly number[] = [1, 2, 3, 4, 7];

/** One cloud's sizing: its table, its CPU default and what it calls an instance type. */
export interface CloudSizing {
  readonly name: string;
  /** What the cloud calls an instance type, for messages: "EC2 instance type", "machine type", "VM size". */
  readonly typeNoun: string;
  /** The same with its article: "an EC2 instance type". */
  readonly aType: string;
  readonly cpuDefault: string;
  readonly accelerators: AcceleratorTable;
  /**
   * The node pool names its accelerator itself (GKE's `guest_accelerator`), so a pool can only use an
   * accelerator of the table, whatever its instanceType; elsewhere the instance type alone brings the GPUs.
   */
  readonly namesAccelerator: boolean;
}

export const CLOUD_SIZING: Readonly<Record<Cloud, CloudSizing>> = {
  eks: {
    name: "EKS",
    typeNoun: "EC2 instance type",
    aType: "an EC2 instance type",
    cpuDefault: EKS_CPU_INSTANCE_TYPE,
    accelerators: EKS_GPU_INSTANCE_TYPES,
    namesAccelerator: false,
  },
  gke: {
    name: "GKE",
    typeNoun: "machine type",
    aType: "a machine type",
    cpuDefault: GKE_CPU_MACHINE_TYPE,
    accelerators: GKE_ACCELERATORS,
    namesAccelerator: true,
  },
  aks: {
    name: "AKS",
    typeNoun: "VM size",
    aType: "a VM size",
    cpuDefault: AKS_DEFAULT_CPU_VM_SIZE,
    accelerators: AKS_GPU_VM_SIZES,
    namesAccelerator: false,
  },
};

/** A value, or the problem that keeps the profile from having one. */
export type Checked<T extends object> = T | { readonly problem: Problem };

/** The value of a check the profile is known to pass; a last-resort guard for profiles built by hand. */
export function orThrow<T extends object>(checked: Checked<T>): T {
  if ("problem" in checked) {
    const { path, value, allowed } = checked.problem;
    throw new Error(`${path}: got ${show(value)}; ${allowed}`);
  }
  return checked;
}

/** The instance type a pool gets, with its GPUs when the table knows it, and GKE's accelerator type. */
export interface PickedInstanceType {
  readonly type: string;
  readonly acceleratorType?: string;
}

/** `g6.xlarge (1), g6.12xlarge (4)`: a table entry's types with their GPU counts. */
function listTypes(types: readonly GpuInstanceType[]): string {
  return types.map((t) => `${t.type} (${t.gpus})`).join(", ");
}

/** The accelerator and GPU count of a type the cloud's table lists, under whichever accelerator. */
function tableEntry(sizing: CloudSizing, type: string): (GpuInstanceType & { accelerator: AcceleratorId }) | undefined {
  for (const [accelerator, offer] of Object.entries(sizing.accelerators)) {
    const entry = offer?.types.find((t) => t.type === type);
    if (entry) return { ...entry, accelerator: accelerator as AcceleratorId };
  }
  return undefined;
}

/**
 * The instance type of a pool on a cloud, the same way on every cloud:
 *  - a CPU pool: its `instanceType`, else the cloud's CPU default;
 *  - a GPU pool with an `instanceType` the table lists (under any accelerator): that type, if it carries
 *    exactly `gpu.perNode` GPUs of the pool's accelerator; a type the table does not list is taken as given;
 *  - a GPU pool without one: the table's type with `gpu.perNode` GPUs of its accelerator.
 * On GKE the node pool names the accelerator, so it must be one of the table's even with an `instanceType`.
 */
export function pickInstanceType(cloud: Cloud, poolName: string, pool: Pool): Checked<PickedInstanceType> {
  const sizing = CLOUD_SIZING[cloud];
  if (!pool.gpu) return { type: pool.instanceType ?? sizing.cpuDefault };
  // Messages name the pool's own fields ("the pool's instanceType"): a MultiKueue worker's problems get
  // their `workers.<name>.` prefix on the path only.
  const path = `pools.${poolName}`;
  const { accelerator, perNode } = pool.gpu;
  const shape = `${perNode} × ${accelerator}`;
  const offer = sizing.accelerators[accelerator];
  const offered = Object.keys(sizing.accelerators).join(", ");
  if (!offer && sizing.namesAccelerator) {
    return {
      problem: {
        path: `${path}.gpu.accelerator`,
        value: accelerator,
        allowed: `${sizing.name} node pools name their accelerator, and ${sizing.name} offers none called ${accelerator}; use one of ${offered}`,
      },
    };
  }
  const acceleratorType = offer?.acceleratorType;
  if (pool.instanceType !== undefined) {
    const known = tableEntry(sizing, pool.instanceType);
    if (known && (known.accelerator !== accelerator || known.gpus !== perNode)) {
      const fitting = (offer?.types ?? []).filter((t) => t.gpus === perNode).map((t) => t.type);
      return {
        problem: {
          path: `${path}.instanceType`,
          value: pool.instanceType,
          allowed:
            `${pool.instanceType} carries ${known.gpus} × ${known.accelerator}, but the pool's gpu asks for ${shape}; ` +
            `pick ${fitting.length > 0 ? fitting.join(" or ") : `${sizing.aType} with ${shape}`}, ` +
            `or change the pool's gpu to ${known.gpus} × ${known.accelerator}`,
        },
      };
    }
    return { type: pool.instanceType, acceleratorType };
  }
  if (!offer) {
    return {
      problem: {
        path: `${path}.gpu.accelerator`,
        value: accelerator,
        allowed:
          `${sizing.name} has no ${sizing.typeNoun} with ${accelerator} in its table; use one of ${offered}, ` +
          `or give the pool an instanceType that carries ${shape}`,
      },
    };
  }
  const match = offer.types.find((t) => t.gpus === perNode);
  if (!match) {
    return {
      problem: {
        path: `${path}.gpu.perNode`,
        value: perNode,
        allowed:
          `${sizing.name}'s ${sizing.typeNoun}s with ${accelerator}: ${listTypes(offer.types)}; ` +
          `use one of those GPU counts, or give the pool an instanceType with ${shape}`,
      },
    };
  }
  return { type: match.type, acceleratorType };
}

/** The MIG devices per GPU of a MIG pool's layout; undefined for other pools, a GPU without MIG or an unknown layout. */
export function migLayout(pool: Pool): MigLayout | undefined {
  const sharing = pool.gpu?.sharing;
  if (!pool.gpu || sharing?.mode !== "mig") return undefined;
  const layouts: Readonly<Record<string, MigLayout>> | undefined = (
    ACCELERATORS[pool.gpu.accelerator] as { migLayouts?: Readonly<Record<string, MigLayout>> }
  ).migLayouts;
  return layouts?.[sharing.layout];
}

/** The one MIG profile every GPU of a pool is cut into, where the cloud (GKE, AKS) cuts them all alike. */
function uniformMigProfile(cloud: Cloud, poolName: string, pool: Pool): Checked<{ profile?: string }> {
  const sharing = pool.gpu?.sharing;
  if (!pool.gpu || sharing?.mode !== "mig") return {};
  const { accelerator } = pool.gpu;
  const layouts = (ACCELERATORS[accelerator] as { migLayouts?: Readonly<Record<string, MigLayout>> }).migLayouts ?? {};
  const uniform = Object.keys(layouts).filter((name) => Object.keys(layouts[name]).length === 1);
  const profiles = Object.keys(layouts[sharing.layout] ?? {});
  if (profiles.length === 1) return { profile: profiles[0] };
  const how =
    cloud === "gke"
      ? "GKE cuts every GPU of a node pool into one partition size (gpu_partition_size)"
      : "AKS gives every GPU of a node pool one MIG profile (gpu_instance)";
  return {
    problem: {
      path: `pools.${poolName}.gpu.sharing.layout`,
      value: sharing.layout,
      allowed:
        `${how}; use a uniform layout of ${accelerator}` +
        (uniform.length > 0 ? `: ${uniform.join(", ")}` : ", and it has none") +
        `, or a separate pool per MIG profile`,
    },
  };
}

/**
 * GKE's `gpu_partition_size` of a MIG pool (undefined for other pools): the profile of a uniform layout,
 * which GKE's device plugin advertises as `nvidia.com/gpu` like the GPU Operator's `single` strategy
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/gpus-multi).
 */
export function gkePartitionSize(poolName: string, pool: Pool): Checked<{ size?: string }> {
  const cut = uniformMigProfile("gke", poolName, pool);
  return "problem" in cut ? cut : { size: cut.profile };
}

/**
 * AKS's `gpu_instance` of a MIG pool (undefined for other pools): `all-1g.10gb` → MIG1g. The GPU
 * Operator's MIG manager then finds the layout already applied. [not verified here] which memory size
 * AKS picks per slice count on each GPU model.
 */
export function aksGpuInstance(poolName: string, pool: Pool): Checked<{ gpuInstance?: string }> {
  const cut = uniformMigProfile("aks", poolName, pool);
  if ("problem" in cut) return cut;
  if (cut.profile === undefined) return {};
  const slices = Number(/^(\d+)g\./.exec(cut.profile)?.[1]);
  if (!AKS_MIG_SLICES.includes(slices)) {
    return {
      problem: {
        path: `pools.${poolName}.gpu.sharing.layout`,
        value: pool.gpu?.sharing.mode === "mig" ? pool.gpu.sharing.layout : undefined,
        allowed: `AKS cuts MIG1g, MIG2g, MIG3g, MIG4g or MIG7g (gpu_instance), not the ${cut.profile} profile of this layout`,
      },
    };
  }
  return { gpuInstance: `MIG${slices}g` };
}
