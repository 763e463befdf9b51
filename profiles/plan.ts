/**
 * What a profile's pools and teams mean in Kubernetes terms, computed once and used by every layer
 * (validation, the GPU Operator config, Kueue flavors and queues, tenancy quotas, workloads, the
 * capacity report), so no resource name or capacity is ever spelled twice.
 *
 * Resource names per sharing mode (NVIDIA/k8s-device-plugin@v0.20.0:README.md "Shared Access to GPUs" and
 * docs/gpu-feature-discovery/README.md "MIG strategies"; https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/gpu-operator-mig.html):
 *  - none:                   `nvidia.com/gpu`, one per GPU;
 *  - time-slicing, mps:      `nvidia.com/gpu`, `replicas` per GPU (renameByDefault=false keeps the name);
 *  - mig, strategy single:   `nvidia.com/gpu`, one per MIG device of the (uniform) layout;
 *  - mig, strategy mixed:    `nvidia.com/mig-<profile>` per profile of the layout.
 *
 * A pool with `allocation: dra` advertises no extended resource: its pods claim devices of the NVIDIA DRA driver's
 * DeviceClasses, and Kueue counts them as the resource its `deviceClassMappings` names (DRA_RESOURCES below).
 */
import { ACCELERATORS } from "./accelerators";
import { cpuCores, memoryBytes } from "./quantity";
import type { GpuPool, Pool, PoolQuota, Profile, Team } from "./schema";

export const GPU_RESOURCE = "nvidia.com/gpu";
/** Every node of a pool carries this label; the pool's ResourceFlavor selects on it. */
export const POOL_LABEL = "cnai.io/pool";
/** Selects a pool's device-plugin config (a key of the GPU Operator's device-plugin ConfigMap). */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** Selects a pool's MIG layout (a mig-parted config name). */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";

/**
 * The NVIDIA DRA driver's DeviceClasses for GPUs and static MIG devices
 * (kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu/templates/deviceclass-*.yaml).
 */
export const DRA_GPU_CLASS = "gpu.nvidia.com";
export const DRA_MIG_CLASS = "mig.nvidia.com";

/**
 * The quota resource Kueue counts each DeviceClass's devices as (Kueue's `resources.deviceClassMappings`). These
 * names exist only in Kueue's accounting and the profile's quotas; no node advertises them.
 */
export const DRA_RESOURCES: Readonly<Record<string, string>> = {
  [DRA_GPU_CLASS]: "dra.cnai.io/gpu",
  [DRA_MIG_CLASS]: "dra.cnai.io/mig",
};

/** Marks the nodes of DRA pools; the DRA driver's kubelet plugin runs only there. */
export const DRA_POOL_LABEL = "cnai.io/gpu-allocation";
/** The GPU Operator keeps its device plugin off a node labelled so (it never overwrites an existing value). */
export const DEVICE_PLUGIN_DEPLOY_LABEL = "nvidia.com/gpu.deploy.device-plugin";

/** Whether the pool's GPUs are allocated through DRA rather than the device plugin. */
export function usesDra(gpu: GpuPool | undefined): boolean {
  return gpu?.allocation === "dra";
}

/** The DeviceClass a DRA quota resource counts, or undefined for a device-plugin resource. */
export function draDeviceClass(resource: string): string | undefined {
  return Object.entries(DRA_RESOURCES).find(([, name]) => name === resource)?.[0];
}

/**
 * The ResourceQuota key that caps a resource in a namespace: `requests.<name>` for an extended resource, and for a
 * DRA resource the devices of its DeviceClass that the namespace's claims may hold
 * (`<class>.deviceclass.resource.k8s.io/devices`, Kubernetes' DRA quota).
 */
export function namespaceQuotaKey(resource: string): string {
  const deviceClass = draDeviceClass(resource);
  return deviceClass ? `${deviceClass}.deviceclass.resource.k8s.io/devices` : `requests.${resource}`;
}

/** The MIG devices one GPU of a layout holds, by MIG profile; undefined for an unknown layout. */
export function migDevicesPerGpu(gpu: GpuPool): Record<string, number> | undefined {
  if (gpu.sharing.mode !== "mig") return undefined;
  const layouts = (ACCELERATORS[gpu.accelerator] as { migLayouts?: Record<string, Record<string, number>> }).migLayouts;
  return layouts?.[gpu.sharing.layout];
}

/** GPU resources one GPU of the pool advertises: resource name → count. Empty for CPU pools or an unknown layout. */
export function resourcesPerGpu(gpu: GpuPool | undefined): Record<string, number> {
  if (!gpu) return {};
  const { sharing } = gpu;
  if (usesDra(gpu)) {
    // Time-slicing and MPS through DRA need per-claim configuration Kueue does not admit (profiles/rules.ts).
    if (sharing.mode === "none") return { [DRA_RESOURCES[DRA_GPU_CLASS]]: 1 };
    if (sharing.mode !== "mig") return {};
    const layout = migDevicesPerGpu(gpu);
    return layout ? { [DRA_RESOURCES[DRA_MIG_CLASS]]: Object.values(layout).reduce((a, b) => a + b, 0) } : {};
  }
  switch (sharing.mode) {
    case "none":
      return { [GPU_RESOURCE]: 1 };
    case "time-slicing":
    case "mps":
      return { [GPU_RESOURCE]: sharing.replicas };
    case "mig": {
      const layout = migDevicesPerGpu(gpu);
      if (!layout) return {};
      if (sharing.strategy === "single") return { [GPU_RESOURCE]: Object.values(layout).reduce((a, b) => a + b, 0) };
      return Object.fromEntries(Object.entries(layout).map(([profile, count]) => [`nvidia.com/mig-${profile}`, count]));
    }
  }
}

/** Nodes a pool can reach: its autoscaling maximum in the clouds, its fixed size otherwise. */
export function poolMaxNodes(pool: Pool): number {
  return pool.autoscaling?.max ?? pool.nodes;
}

/** The GPU resources a pool advertises at its largest: resource name → slots (nodes × GPUs × per GPU). */
export function poolGpuCapacity(pool: Pool): Record<string, number> {
  const perGpu = resourcesPerGpu(pool.gpu);
  const gpus = pool.gpu ? poolMaxNodes(pool) * pool.gpu.perNode : 0;
  return Object.fromEntries(Object.entries(perGpu).map(([name, count]) => [name, count * gpus]));
}

/** Every GPU resource name any pool advertises, sorted. */
export function gpuResourceNames(profile: Profile): string[] {
  return [
    ...new Set(Object.values(queuePools(profile)).flatMap((pool) => Object.keys(resourcesPerGpu(pool.gpu)))),
  ].sort();
}

/** The single GPU resource of a pool, when it has exactly one (what a bare number in a quota means). */
export function singleGpuResource(pool: Pool): string | undefined {
  const names = Object.keys(resourcesPerGpu(pool.gpu));
  return names.length === 1 ? names[0] : undefined;
}

/** A quota's GPU amounts by resource name (a bare number means the pool's single GPU resource). */
export function gpuAmounts(pool: Pool, gpu: PoolQuota["gpu"]): Record<string, number> {
  if (gpu === undefined) return {};
  if (typeof gpu === "number") {
    const name = singleGpuResource(pool);
    return name ? { [name]: gpu } : {};
  }
  return { ...gpu };
}

export function teamNamespace(name: string, team: Team): string {
  return team.namespace ?? `team-${name}`;
}

/** The node labels every node of a pool carries (the ResourceFlavor's nodeLabels are the first one only). */
export function poolNodeLabels(name: string, pool: Pool): Record<string, string> {
  const labels: Record<string, string> = { ...pool.labels, [POOL_LABEL]: name };
  if (pool.gpu) {
    if (usesDra(pool.gpu)) {
      // The DRA driver must not share a node with the device plugin (docs/dra.md).
      labels[DRA_POOL_LABEL] = "dra";
      labels[DEVICE_PLUGIN_DEPLOY_LABEL] = "false";
    } else {
      labels[DEVICE_PLUGIN_CONFIG_LABEL] = name;
    }
    if (pool.gpu.sharing.mode === "mig") labels[MIG_CONFIG_LABEL] = pool.gpu.sharing.layout;
  }
  return labels;
}

/** Tolerations that let a pod onto every taint of the pool. */
export function poolTolerations(
  pool: Pool,
): Array<{ key: string; operator: "Equal" | "Exists"; value?: string; effect: string }> {
  return pool.taints.map((t) =>
    t.value === undefined
      ? { key: t.key, operator: "Exists" as const, effect: t.effect }
      : { key: t.key, operator: "Equal" as const, value: t.value, effect: t.effect },
  );
}

/** This cluster's own pool names, sorted: what its cluster stack creates. */
export function poolNames(profile: Profile): string[] {
  return Object.keys(profile.pools).sort();
}

/**
 * Every pool the queues know, sorted: this cluster's and, on a MultiKueue management cluster, its
 * workers' (pool names are unique across clusters). Each is a Kueue flavor.
 */
export function queuePoolNames(profile: Profile): string[] {
  return Object.keys(queuePools(profile)).sort();
}

export function queuePools(profile: Profile): Record<string, Pool> {
  const pools: Record<string, Pool> = { ...profile.pools };
  for (const worker of Object.values(profile.workers)) Object.assign(pools, worker.pools);
  return pools;
}

/** The cluster a queue pool lives on: undefined for this cluster, else the worker's name. */
export function poolWorker(profile: Profile, pool: string): string | undefined {
  return Object.keys(profile.workers).find((name) => pool in profile.workers[name].pools);
}

export function teamNames(profile: Profile): string[] {
  return Object.keys(profile.teams).sort();
}

/** Every team's namespace, in the order of teamNames. */
export function teamNamespaces(profile: Profile): string[] {
  return teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
}

/** The amounts of a quota (or a limit) by resource name: cpu in cores, memory in bytes, GPUs in slots. */
export function quotaAmounts(
  pool: Pool,
  part: { cpu?: string; memory?: string; gpu?: PoolQuota["gpu"] } | undefined,
): Record<string, number> {
  if (!part) return {};
  const amounts: Record<string, number> = { ...gpuAmounts(pool, part.gpu) };
  if (part.cpu !== undefined) amounts.cpu = cpuCores(part.cpu);
  if (part.memory !== undefined) amounts.memory = memoryBytes(part.memory);
  return amounts;
}

/** Every resource the queues account for: cpu, memory, then each GPU resource name. */
export function coveredResources(profile: Profile): string[] {
  return ["cpu", "memory", ...gpuResourceNames(profile)];
}

/**
 * The most of one resource of one pool a team can ever hold: its nominal quota plus what it can
 * borrow (its borrowing limit, or else everything the other teams lend), never more GPU slots than
 * the pool has (kind nodes share the host's CPU and memory, so those have no pool capacity here).
 */
export function maxObtainable(profile: Profile, teamName: string, poolName: string, resource: string): number {
  const pool = queuePools(profile)[poolName];
  if (!pool) return 0;
  const quota = profile.teams[teamName]?.quota[poolName];
  const own = quotaAmounts(pool, quota)[resource] ?? 0;
  const lendable = teamNames(profile)
    .filter((other) => other !== teamName)
    .reduce((sum, other) => {
      const theirs = profile.teams[other].quota[poolName];
      const nominal = quotaAmounts(pool, theirs)[resource] ?? 0;
      const lending = quotaAmounts(pool, theirs?.lendingLimit)[resource];
      return sum + Math.min(nominal, lending ?? nominal);
    }, 0);
  const borrowingLimit = quotaAmounts(pool, quota?.borrowingLimit)[resource];
  const borrowable = borrowingLimit === undefined ? lendable : Math.min(lendable, borrowingLimit);
  const capacity = poolGpuCapacity(pool)[resource];
  return capacity === undefined ? own + borrowable : Math.min(capacity, own + borrowable);
}

/** GPU-only shorthand of maxObtainable. */
export function maxObtainableGpu(profile: Profile, teamName: string, poolName: string, resource: string): number {
  return maxObtainable(profile, teamName, poolName, resource);
}

/** How a pool shares its GPUs, in words: `whole GPUs`, `time-slicing ×4`, `MIG single all-1g.10gb`, or `-` without GPUs. */
export function poolSharingInWords(pool: Pool): string {
  const sharing = pool.gpu?.sharing;
  if (!sharing) return "-";
  const dra = usesDra(pool.gpu) ? " (DRA)" : "";
  switch (sharing.mode) {
    case "none":
      return `whole GPUs${dra}`;
    case "time-slicing":
    case "mps":
      return `${sharing.mode} ×${sharing.replicas}${dra}`;
    case "mig":
      // The device plugin's MIG strategy means nothing to DRA, which publishes every MIG device as it is.
      return dra ? `MIG ${sharing.layout}${dra}` : `MIG ${sharing.strategy} ${sharing.layout}`;
  }
}
