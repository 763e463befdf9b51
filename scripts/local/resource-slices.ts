/**
 * The ResourceSlices NVIDIA's DRA driver (kubernetes-sigs/dra-driver-nvidia-gpu v0.4.1, driver `gpu.nvidia.com`)
 * would publish for the fake nodes of a profile's DRA pools (`gpu.allocation: dra`). No kubelet plugin runs on a
 * kwok node, so the local control plane publishes them itself; then the real scheduler allocates the devices of a
 * pod's ResourceClaim, and Kueue counts the claims against the quota its `deviceClassMappings` name.
 *
 * What the driver does, and what is copied here (paths at the v0.4.1 tag):
 *  - one pool per node, named after the node, in one slice (`resourceSliceCount: 1`): without the DynamicMIG
 *    gate (alpha, off) `publishResources` puts every device in a single slice of pool `<node name>`
 *    (cmd/gpu-kubelet-plugin/driver.go); generation 1 is the first the resourceslice controller writes;
 *  - the slice is created by k8s.io/dynamic-resource-allocation's resourceslice controller with
 *    `generateName: <node>-gpu.nvidia.com-` and the Node as controlling owner (resourceslice/resourceslicecontroller.go,
 *    kubeletplugin/draplugin.go `PublishResources`), so deleting the node deletes its slices;
 *  - a whole GPU is `gpu-<minor>` with attribute `type: gpu` (deviceinfo.go `CanonicalName`, `Attributes`); a MIG
 *    pool's GPU (MIG mode on, static MIG devices made by the MIG manager) is not published itself, only its MIG
 *    devices (nvlib.go `GetPerGpuAllocatableDevices`), each `gpu-<minor>-mig-<profile without dots>-<GI profile
 *    ID>-<placement start>` (mig.go `ToCanonicalName`) with attributes `type: mig`, `profile`, `parentUUID`
 *    (mig.go `CommonAttributesMig`), and capacity `memory` plus `memorySlice<i>` per memory slice it holds
 *    (deviceinfo.go `MigDeviceInfo.GetDevice`).
 * The DeviceClasses select on exactly those: `device.driver == 'gpu.nvidia.com' &&
 * device.attributes['gpu.nvidia.com'].type == 'gpu'` (resp. `'mig'`; the chart's templates/deviceclass-gpu.yaml,
 * deviceclass-mig.yaml); an attribute without a domain is in the driver's own.
 *
 * Left out, because NVML reports them on a real machine and no selector here reads them: brand, architecture,
 * cudaComputeCapability, driverVersion, cudaDriverVersion, addressingMode, the standard `resource.kubernetes.io/pciBusID`
 * and `pcieRoot`, and a MIG device's engine counts (multiprocessors, copyEngines, decoders, encoders, jpegEngines,
 * ofaEngines). The UUIDs are made up (stable per node and device), and `productName` is the accelerator table's
 * description, not NVML's exact string. Minors count from 0 on every node.
 */
import { createHash } from "node:crypto";
import { ACCELERATORS } from "../../profiles/accelerators";
import { migDevicesPerGpu, usesDra } from "../../profiles/plan";
import type { Pool, Profile } from "../../profiles/schema";
import type { LocalNode } from "./nodes";

/** The driver's name (cmd/gpu-kubelet-plugin/main.go `DriverName`), which the DeviceClasses' selectors name too. */
export const DRA_DRIVER = "gpu.nvidia.com";

/**
 * NVML's GPU-instance profile IDs (what `nvidia-smi mig -lgip` lists) by compute slices and memory slices of the
 * GPU's total, for the MIG devices' canonical names. 19 (1g) and 14 (2g) appear in the driver's own examples
 * (partitions.go `gpu-2-mig-1g24gb-19-0`, device_state.go `gpu-1-mig-2g47gb-14-0`); the others are from NVIDIA's
 * MIG User Guide and were not checked offline. Nothing in the tier reads a device's name.
 */
const GI_PROFILE_IDS: Readonly<Record<string, number>> = {
  // A100, H100, H200: 7 compute slices, 8 memory slices.
  "1g/1of8": 19,
  "1g/2of8": 15,
  "2g/2of8": 14,
  "3g/4of8": 9,
  "4g/4of8": 5,
  "7g/8of8": 0,
  // A30: 4 compute slices, 4 memory slices.
  "1g/1of4": 14,
  "2g/2of4": 5,
  "4g/4of4": 0,
};

/** Memory slices of a MIG-capable GPU: 8, except the A30's 4. */
function memorySlicesOf(accelerator: string): number {
  return accelerator === "nvidia-a30" ? 4 : 8;
}

type Device = Record<string, unknown>;

/** A made-up but stable UUID in NVML's form (`GPU-…`, `MIG-…`), from the node and the device's name. */
function fakeUuid(prefix: "GPU" | "MIG", node: string, device: string): string {
  const hex = createHash("sha256").update(`${node}/${device}`).digest("hex");
  return `${prefix}-${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The whole-GPU device `gpu-<minor>`, as deviceinfo.go `GpuInfo.GetDevice` announces it. */
function gpuDevice(node: string, pool: NonNullable<Pool["gpu"]>, minor: number): Device {
  const accelerator = ACCELERATORS[pool.accelerator];
  const name = `gpu-${minor}`;
  return {
    name,
    attributes: {
      type: { string: "gpu" },
      uuid: { string: fakeUuid("GPU", node, name) },
      productName: { string: accelerator.description },
    },
    capacity: { memory: { value: `${accelerator.memoryGiB}Gi` } },
  };
}

/**
 * The static MIG devices of GPU `minor`, one per device of the pool's MIG layout, packed onto the GPU's memory
 * slices in layout order (as mig-parted places a uniform layout).
 */
function migDevices(nodeName: string, poolName: string, gpu: NonNullable<Pool["gpu"]>, minor: number): Device[] {
  const layout = migDevicesPerGpu(gpu);
  if (!layout) {
    throw new Error(
      `pools.${poolName}.gpu.sharing.layout: ${JSON.stringify(gpu.sharing.mode === "mig" ? gpu.sharing.layout : undefined)} is not a MIG layout of ${gpu.accelerator}; use one of profiles/accelerators.ts`,
    );
  }
  const accelerator = ACCELERATORS[gpu.accelerator];
  const totalSlices = memorySlicesOf(gpu.accelerator);
  const parentUuid = fakeUuid("GPU", nodeName, `gpu-${minor}`);
  const devices: Device[] = [];
  let start = 0;
  for (const [profile, count] of Object.entries(layout)) {
    const match = /^(\d+)g\.(\d+)gb$/.exec(profile);
    const memoryGb = Number(match?.[2]);
    const memorySlices = Math.round((memoryGb / accelerator.memoryGiB) * totalSlices);
    const id = match ? GI_PROFILE_IDS[`${match[1]}g/${memorySlices}of${totalSlices}`] : undefined;
    if (id === undefined) {
      throw new Error(
        `pools.${poolName}.gpu.sharing.layout: MIG profile "${profile}" of ${gpu.accelerator} has no GPU-instance profile ID in scripts/local/resource-slices.ts GI_PROFILE_IDS; add it from \`nvidia-smi mig -lgip\``,
      );
    }
    for (let i = 0; i < count; i++, start += memorySlices) {
      const name = `gpu-${minor}-mig-${profile.replace(/\./g, "")}-${id}-${start}`;
      const capacity: Record<string, { value: string }> = { memory: { value: `${memoryGb}Gi` } };
      for (let slice = start; slice < start + memorySlices; slice++) capacity[`memorySlice${slice}`] = { value: "1" };
      devices.push({
        name,
        attributes: {
          type: { string: "mig" },
          uuid: { string: fakeUuid("MIG", nodeName, name) },
          parentUUID: { string: parentUuid },
          profile: { string: profile },
          productName: { string: accelerator.description },
        },
        capacity,
      });
    }
  }
  return devices;
}

/** The devices a node of a DRA pool publishes: its whole GPUs, or for a MIG pool their MIG devices. */
export function draDevices(nodeName: string, poolName: string, pool: Pool): Device[] {
  const gpu = pool.gpu;
  if (!gpu || !usesDra(gpu)) return [];
  return Array.from({ length: gpu.perNode }, (_, minor) =>
    gpu.sharing.mode === "mig" ? migDevices(nodeName, poolName, gpu, minor) : [gpuDevice(nodeName, gpu, minor)],
  ).flat();
}

/**
 * The ResourceSlice of every fake node of the profile's DRA pools, nodes in the order given (`localNodes`). With
 * the node's UID (known once the Node exists) the slice is owned by it, as the driver's are; without, it has no
 * owner. Empty for a profile without DRA pools.
 */
export function resourceSliceObjects(
  profile: Profile,
  nodes: readonly LocalNode[],
  nodeUids: Readonly<Record<string, string>> = {},
): Record<string, unknown>[] {
  return nodes.flatMap((node) => {
    const pool = node.pool === undefined ? undefined : profile.pools[node.pool];
    if (!pool || !usesDra(pool.gpu) || node.pool === undefined) return [];
    const uid = nodeUids[node.name];
    return [
      {
        apiVersion: "resource.k8s.io/v1",
        kind: "ResourceSlice",
        metadata: {
          generateName: `${node.name}-${DRA_DRIVER}-`,
          ...(uid !== undefined && {
            ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid, controller: true }],
          }),
        },
        spec: {
          driver: DRA_DRIVER,
          nodeName: node.name,
          pool: { name: node.name, generation: 1, resourceSliceCount: 1 },
          devices: draDevices(node.name, node.pool, pool),
        },
      },
    ];
  });
}
