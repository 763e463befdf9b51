/**
 * The fake nodes of the local control plane (`npm run local`): one kwok node per node of the profile's own
 * pools, with the labels, taints and GPU resources the real node would carry, so the real scheduler and
 * Kueue see the cluster the profile describes. Names, labels and GPU resources come from the same plan
 * functions the cluster stacks and the capacity report use (profiles/plan.ts, stacks/clusters/kind.ts).
 *
 * What the profile does not say is decided here:
 *  - pools get their largest size (`autoscaling.max` in the clouds): no autoscaler runs locally;
 *  - CPU and memory: a kind node shares its host's, and a cloud instance type's shape is in no table
 *    here, so every node gets NODE_HEADROOM for the platform's own pods plus an equal share of what the
 *    teams' nominal quotas on its pool add up to (whole cores and GiB, rounded up). Then everything Kueue
 *    admits within quota also fits on the nodes, and a pending pod means a quota or placement problem;
 *  - MultiKueue workers' pools live on other clusters and get no node here.
 */
import { orThrow, pickInstanceType } from "../../platform/clouds/sizing";
import { poolMaxNodes, poolNames, poolNodeLabels, resourcesPerGpu, teamNames, usesDra } from "../../profiles/plan";
import { cpuCores, formatCpu, formatMemory, memoryBytes } from "../../profiles/quantity";
import type { Pool, Profile } from "../../profiles/schema";
import { kindWorkerName, kindWorkers } from "../../stacks/clusters/kind";

/** kwok's controller manages the nodes carrying this annotation (kwokctl starts it with that selector). */
export const KWOK_NODE_ANNOTATION = { "kwok.x-k8s.io/node": "fake" } as const;
/** The label and taint kubeadm gives a kind control-plane node. */
export const CONTROL_PLANE_ROLE = "node-role.kubernetes.io/control-plane";
/** CPU cores and GiB every node has beyond its pool's quota share: room for the platform's operators. */
export const NODE_HEADROOM = { cpu: 8, memoryGiB: 16 } as const;
/** The kubelet's default pod limit, and a disk size no chart's ephemeral-storage request comes near. */
export const NODE_PODS = "110";
export const NODE_EPHEMERAL_STORAGE = "100Gi";

const GiB = 1024 ** 3;

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** One fake node: what `nodeObject` turns into a Node. */
export interface LocalNode {
  readonly name: string;
  /** The pool it belongs to; undefined for the control-plane node. */
  readonly pool?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Capacity (and allocatable): cpu, memory, pods, ephemeral-storage and each GPU resource. */
  readonly capacity: Readonly<Record<string, string>>;
}

/** The cores and bytes the teams' nominal quotas on a pool add up to. */
function poolQuotaTotals(profile: Profile, poolName: string): { cores: number; bytes: number } {
  let cores = 0;
  let bytes = 0;
  for (const team of teamNames(profile)) {
    const quota = profile.teams[team].quota[poolName];
    if (!quota) continue;
    cores += cpuCores(quota.cpu);
    bytes += memoryBytes(quota.memory);
  }
  return { cores, bytes };
}

function nodeCapacity(profile: Profile, poolName: string, pool: Pool): Record<string, string> {
  const nodes = poolMaxNodes(pool);
  const { cores, bytes } = poolQuotaTotals(profile, poolName);
  const capacity: Record<string, string> = {
    cpu: formatCpu(NODE_HEADROOM.cpu + Math.ceil(cores / nodes)),
    memory: formatMemory((NODE_HEADROOM.memoryGiB + Math.ceil(bytes / nodes / GiB)) * GiB),
    pods: NODE_PODS,
    "ephemeral-storage": NODE_EPHEMERAL_STORAGE,
  };
  const perNode = pool.gpu?.perNode ?? 0;
  // A DRA pool's GPUs are devices in ResourceSlices (scripts/local/resource-slices.ts), not node capacity.
  if (usesDra(pool.gpu)) return capacity;
  for (const [resource, perGpu] of Object.entries(resourcesPerGpu(pool.gpu))) {
    capacity[resource] = String(perGpu * perNode);
  }
  return capacity;
}

function kubeletLabels(name: string): Record<string, string> {
  return { "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux" };
}

function withoutUndefinedValue(taint: Taint): Taint {
  return taint.value === undefined
    ? { key: taint.key, effect: taint.effect }
    : { key: taint.key, value: taint.value, effect: taint.effect };
}

/**
 * Every fake node of a profile's own cluster: on kind its control-plane node(s) (named and tainted as kind
 * does), then each pool's nodes, pools in name order. kind workers are named as kind names them; cloud
 * nodes `<cluster>-<pool>-<n>` (n from 1), labelled with the instance type the cluster stack would pick.
 */
export function localNodes(profile: Profile): LocalNode[] {
  const cluster = profile.cluster;
  const nodes: LocalNode[] = [];
  if (cluster.provider === "kind") {
    for (let i = 0; i < cluster.controlPlanes; i++) {
      const name = `${cluster.name}-control-plane${i === 0 ? "" : i + 1}`;
      nodes.push({
        name,
        labels: { ...kubeletLabels(name), [CONTROL_PLANE_ROLE]: "" },
        taints: [{ key: CONTROL_PLANE_ROLE, effect: "NoSchedule" }],
        capacity: {
          cpu: formatCpu(NODE_HEADROOM.cpu),
          memory: formatMemory(NODE_HEADROOM.memoryGiB * GiB),
          pods: NODE_PODS,
          "ephemeral-storage": NODE_EPHEMERAL_STORAGE,
        },
      });
    }
  }
  if (cluster.provider === "kind") {
    // The cluster stack's own worker list, so names and labels match what kind creates.
    kindWorkers(profile).forEach((worker, index) => {
      const name = kindWorkerName(cluster.name, index);
      const pool = profile.pools[worker.pool];
      nodes.push({
        name,
        pool: worker.pool,
        labels: { ...kubeletLabels(name), ...worker.node.labels },
        taints: pool.taints.map(withoutUndefinedValue),
        capacity: nodeCapacity(profile, worker.pool, pool),
      });
    });
    return nodes;
  }
  for (const poolName of poolNames(profile)) {
    const pool = profile.pools[poolName];
    const instanceType =
      cluster.provider === "kubeconfig" ? undefined : orThrow(pickInstanceType(cluster.provider, poolName, pool)).type;
    for (let i = 0; i < poolMaxNodes(pool); i++) {
      const name = `${cluster.name}-${poolName}-${i + 1}`;
      nodes.push({
        name,
        pool: poolName,
        labels: {
          ...kubeletLabels(name),
          ...(instanceType !== undefined && { "node.kubernetes.io/instance-type": instanceType }),
          ...poolNodeLabels(poolName, pool),
        },
        taints: pool.taints.map(withoutUndefinedValue),
        capacity: nodeCapacity(profile, poolName, pool),
      });
    }
  }
  return nodes;
}

/** The Node object kwok takes over: status carries the capacity, kwok's node-initialize stage adds the rest. */
export function nodeObject(node: LocalNode): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: node.name, labels: { ...node.labels }, annotations: { ...KWOK_NODE_ANNOTATION } },
    spec: node.taints.length > 0 ? { taints: node.taints.map((t) => ({ ...t })) } : {},
    status: { capacity: { ...node.capacity }, allocatable: { ...node.capacity } },
  };
}
