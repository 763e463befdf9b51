/**
 * The nodes a profile's cluster has, as the scheduler sees them: labels and taints. Used to place
 * DaemonSets and check that every platform pod has somewhere to run (the footprint report), and by
 * the local control plane to create matching fake nodes.
 *
 * Labels are the pool's (profiles/plan.ts `poolNodeLabels`), the ones every node carries
 * (`kubernetes.io/os`, `kubernetes.io/arch`, `kubernetes.io/hostname`), and, on GPU pools where the
 * GPU Operator is managed, the ones it and Node Feature Discovery add at run time, which the operand
 * DaemonSets select (NVIDIA/gpu-operator@v26.7.0:controllers/state_manager.go and
 * nodelabeling_controller.go): NFD's PCI vendor label for NVIDIA (`feature.node.kubernetes.io/pci-10de.present`),
 * then the operator's `nvidia.com/gpu.present` and, in container mode, `nvidia.com/gpu.deploy.<operand>`
 * for its container operands whether enabled or not, plus `mig-manager` on MIG-capable GPUs (A100, A30,
 * H100: the accelerators with MIG layouts); GPU feature discovery adds `nvidia.com/mps.capable` where the
 * pool's device-plugin config shares by MPS.
 */
import { ACCELERATORS } from "../profiles/accelerators";
import { DEVICE_PLUGIN_DEPLOY_LABEL, poolNodeLabels, poolNames, resourcesPerGpu, usesDra } from "../profiles/plan";
import type { Profile } from "../profiles/schema";

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: string;
}

export interface ClusterNode {
  readonly name: string;
  /** The pool's name; `control-plane` for kind's control-plane nodes. */
  readonly pool: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Extended resources the node advertises (GPU slots per the pool's sharing mode). */
  readonly gpuResources: Readonly<Record<string, number>>;
}

/** kind's control-plane role label and taint (kubeadm sets both on a multi-node cluster). */
export const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

/** The operands whose `nvidia.com/gpu.deploy.<operand>` label every GPU node gets in container mode. */
export const GPU_OPERAND_LABELS = [
  "driver",
  "container-toolkit",
  "device-plugin",
  "dcgm",
  "dcgm-exporter",
  "gpu-feature-discovery",
  "operator-validator",
  "node-status-exporter",
] as const;

function commonLabels(hostname: string): Record<string, string> {
  return { "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": hostname };
}

/** Every node of the profile's own cluster (pools at their initial size; cloud control planes run none of our pods). */
export function clusterNodes(profile: Profile, options: { gpuOperatorManaged: boolean }): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  if (profile.cluster.provider === "kind") {
    for (let i = 0; i < profile.cluster.controlPlanes; i++) {
      const name = `control-plane-${i}`;
      nodes.push({
        name,
        pool: "control-plane",
        labels: { ...commonLabels(name), [CONTROL_PLANE_LABEL]: "" },
        taints: [{ key: CONTROL_PLANE_LABEL, effect: "NoSchedule" }],
        gpuResources: {},
      });
    }
  }
  for (const poolName of poolNames(profile)) {
    const pool = profile.pools[poolName];
    const gpuLabels: Record<string, string> = {};
    if (pool.gpu && options.gpuOperatorManaged) {
      gpuLabels["feature.node.kubernetes.io/pci-10de.present"] = "true";
      gpuLabels["nvidia.com/gpu.present"] = "true";
      for (const operand of GPU_OPERAND_LABELS) gpuLabels[`nvidia.com/gpu.deploy.${operand}`] = "true";
      // A DRA pool keeps the device plugin off (its pool label); the GPU Operator never overwrites that value.
      if (usesDra(pool.gpu)) gpuLabels[DEVICE_PLUGIN_DEPLOY_LABEL] = "false";
      if ("migLayouts" in ACCELERATORS[pool.gpu.accelerator]) gpuLabels["nvidia.com/gpu.deploy.mig-manager"] = "true";
      if (pool.gpu.sharing.mode === "mps") gpuLabels["nvidia.com/mps.capable"] = "true";
    }
    // DRA devices are published in ResourceSlices, not as node capacity.
    const perGpu = usesDra(pool.gpu) ? {} : resourcesPerGpu(pool.gpu);
    const gpuResources = Object.fromEntries(
      Object.entries(perGpu).map(([resource, count]) => [resource, count * (pool.gpu?.perNode ?? 0)]),
    );
    for (let i = 0; i < pool.nodes; i++) {
      const name = `${poolName}-${i}`;
      nodes.push({
        name,
        pool: poolName,
        labels: { ...commonLabels(name), ...poolNodeLabels(poolName, pool), ...gpuLabels },
        taints: pool.taints.map((t) => ({ ...t })),
        gpuResources,
      });
    }
  }
  return nodes;
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}

/** The scheduling fields of a pod spec this check reads. */
export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {
        nodeSelectorTerms?: Array<{ matchExpressions?: NodeSelectorRequirement[] }>;
      };
    };
  };
  tolerations?: Toleration[];
}

function requirementHolds(labels: Readonly<Record<string, string>>, r: NodeSelectorRequirement): boolean {
  const value = labels[r.key];
  switch (r.operator) {
    case "In":
      return value !== undefined && (r.values ?? []).includes(value);
    case "NotIn":
      return value === undefined || !(r.values ?? []).includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
      return value !== undefined && Number(value) > Number(r.values?.[0]);
    case "Lt":
      return value !== undefined && Number(value) < Number(r.values?.[0]);
    default:
      return false;
  }
}

function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === "" || t.effect === taint.effect) &&
      (t.key === undefined || t.key === "" ? t.operator === "Exists" : t.key === taint.key) &&
      (t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "")),
  );
}

/**
 * Whether the scheduler may put the pod on the node: its nodeSelector and required node affinity
 * match the node's labels, and it tolerates every NoSchedule and NoExecute taint (Kubernetes'
 * NodeAffinity and TaintToleration filters; PreferNoSchedule only scores).
 */
export function canRunOn(pod: PodPlacement, node: ClusterNode): boolean {
  for (const [key, value] of Object.entries(pod.nodeSelector ?? {})) if (node.labels[key] !== value) return false;
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0) {
    const anyTerm = terms.some((term) => (term.matchExpressions ?? []).every((r) => requirementHolds(node.labels, r)));
    if (!anyTerm) return false;
  }
  return node.taints
    .filter((t) => t.effect === "NoSchedule" || t.effect === "NoExecute")
    .every((t) => tolerates(pod.tolerations ?? [], t));
}
