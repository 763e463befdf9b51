import { stringify } from "yaml";
import { GPU_RESOURCE, poolNames, usesDra } from "../../profiles/plan";
import type { GpuSharing, Profile } from "../../profiles/schema";
import type { Problem } from "../../profiles/problems";
import { gpuPoolNames } from "../../profiles/rules";
import type { ComponentContext, ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "gpu-operator";

/** The device plugin ConfigMap the chart renders: one config per GPU pool, selected by the pool's node label. */
export const DEVICE_PLUGIN_CONFIG = "device-plugin-config";
/** The config for GPU nodes without a pool label: whole GPUs, no sharing. */
export const DEFAULT_DEVICE_PLUGIN_CONFIG = "default";

/**
 * A pool's device plugin config (the `version: v1` format of NVIDIA/k8s-device-plugin@v0.20.0:README.md, "Shared Access to GPUs").
 * Time-slicing and MPS apply to every GPU of a node and exclude each other and MIG; the node label
 * `nvidia.com/device-plugin.config=<pool>` (profiles/plan.ts) selects the pool's config.
 */
export function devicePluginConfig(sharing: GpuSharing): Record<string, unknown> {
  const gpuResource = [{ name: GPU_RESOURCE, replicas: "replicas" in sharing ? sharing.replicas : 1 }];
  switch (sharing.mode) {
    case "none":
      return { version: "v1", flags: { migStrategy: "none" } };
    case "time-slicing":
      // A container asking for 2 slices would get no more GPU than with 1: reject it, as NVIDIA recommends.
      return {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: gpuResource } },
      };
    case "mps":
      return {
        version: "v1",
        flags: { migStrategy: "none" },
        sharing: { mps: { renameByDefault: false, resources: gpuResource } },
      };
    case "mig":
      return { version: "v1", flags: { migStrategy: sharing.strategy } };
  }
}

/** Every device-plugin GPU pool's config, plus the default, as the chart's `devicePlugin.config.data` (DRA pools run no device plugin). */
export function devicePluginConfigData(profile: Profile): Record<string, string> {
  const data: Record<string, string> = {
    [DEFAULT_DEVICE_PLUGIN_CONFIG]: stringify(devicePluginConfig({ mode: "none" })),
  };
  for (const pool of poolNames(profile)) {
    const gpu = profile.pools[pool].gpu;
    if (gpu && !usesDra(gpu)) data[pool] = stringify(devicePluginConfig(gpu.sharing));
  }
  return data;
}

function migPools(profile: Profile): GpuSharing[] {
  return poolNames(profile)
    .map((pool) => profile.pools[pool].gpu?.sharing)
    .filter((sharing): sharing is GpuSharing => sharing?.mode === "mig");
}

/**
 * Who owns the GPU driver, container toolkit and device plugin on each kind of cluster. The GPU
 * Operator's values follow from it; a combination that would break nodes is a profile error
 * (this component's `problems`).
 *  - kind (nvkind): the host has driver and toolkit; CDI and the `nvidia` runtime class (NVIDIA/nvkind:README.md).
 *  - EKS, AL2023 NVIDIA AMI: driver and toolkit preinstalled, no device plugin: the operator brings it
 *    (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-k8s-device-plugin.html).
 *  - EKS, Bottlerocket NVIDIA: driver, toolkit and the device plugin are in the image; MIG is Bottlerocket's
 *    (https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html): the operator keeps GFD and DCGM only.
 *  - AKS: the default node images ship driver and toolkit (`gpu_driver = "Install"`), no device plugin
 *    (https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/microsoft-aks.html).
 *  - GKE: Google's driver installer and managed device plugin own everything; the operator is `external`
 *    there: exactly one nvidia.com/gpu advertiser per node
 *    (https://docs.nvidia.com/datacenter/cloud-native/gpu-operator/latest/google-gke.html).
 */
export interface GpuStackOwnership {
  readonly driver: "node" | "operator";
  readonly toolkit: "node" | "operator";
  readonly devicePlugin: "node" | "operator";
  /** kind only: containers get devices through CDI and the `nvidia` runtime class. */
  readonly cdiRuntimeClass: boolean;
}

export function gpuStackOwnership(profile: Profile): GpuStackOwnership {
  const { cluster } = profile;
  switch (cluster.provider) {
    case "kind":
      return { driver: "node", toolkit: "node", devicePlugin: "operator", cdiRuntimeClass: true };
    case "eks":
      return {
        driver: "node",
        toolkit: "node",
        devicePlugin: cluster.gpuAmi.startsWith("BOTTLEROCKET") ? "node" : "operator",
        cdiRuntimeClass: false,
      };
    case "aks":
      return { driver: "node", toolkit: "node", devicePlugin: "operator", cdiRuntimeClass: false };
    case "gke":
      return { driver: "node", toolkit: "node", devicePlugin: "node", cdiRuntimeClass: false };
    // An existing cluster's GPU nodes are taken to have driver and toolkit (the common on-premises set-up);
    // `components.gpu-operator.values` can turn the operator's driver and toolkit on.
    case "kubeconfig":
      return { driver: "node", toolkit: "node", devicePlugin: "operator", cdiRuntimeClass: false };
  }
}

/**
 * NVIDIA GPU Operator, with the operands each cluster kind needs (see GpuStackOwnership): device plugin,
 * GPU feature discovery, validator, the MIG manager for MIG pools, and the DCGM exporter when there is a
 * Prometheus to scrape it. The chart ships no admission webhook, so no gate.
 */
export const gpuOperator: ComponentDefinition = {
  id: "gpu-operator",
  title: "NVIDIA GPU Operator",
  summary: "Exposes the host's NVIDIA GPUs to pods (device plugin, CDI, GPU sharing, DCGM metrics)",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  problems: (ctx) => gpuOperatorProblems(ctx),
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for the DCGM exporter" }],
  // The operands mount host paths and run privileged (nvkind README "Install GPU Operator").
  namespaces: () => [{ name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } }],
  steps: (ctx) => {
    const monitoring = monitoringEnabled(ctx);
    const mig = migPools(ctx.profile);
    const ownership = gpuStackOwnership(ctx.profile);
    const operandResources = resources("10m", "32Mi", "100m", "128Mi");
    return [
      {
        kind: "upstream",
        name: "gpu-operator",
        namespace: NAMESPACE,
        chart: "gpu-operator",
        primary: true,
        // An operator and its ClusterPolicy, all from the profile; no volume.
        onFailedInstall: "uninstall",
        values: {
          driver: { enabled: ownership.driver === "operator" },
          toolkit: { enabled: ownership.toolkit === "operator" },
          ...(ownership.cdiRuntimeClass ? { cdi: { enabled: true } } : {}),
          operator: {
            ...(ownership.cdiRuntimeClass ? { runtimeClass: "nvidia" } : {}),
            resources: resources("20m", "64Mi", "200m", "256Mi"),
          },
          validator: { resources: operandResources },
          devicePlugin: {
            enabled: ownership.devicePlugin === "operator",
            resources: operandResources,
            // Rendered by the chart as a ConfigMap; each pool's nodes pick their key by label.
            config: {
              create: true,
              name: DEVICE_PLUGIN_CONFIG,
              default: DEFAULT_DEVICE_PLUGIN_CONFIG,
              data: devicePluginConfigData(ctx.profile),
            },
          },
          gfd: { resources: operandResources },
          dcgmExporter: {
            enabled: monitoring,
            resources: resources("20m", "128Mi", "200m", "512Mi"),
            // The exporter labels each GPU's series with the pod using it (`namespace`, `pod`, `container`); honoring
            // them keeps those names instead of `exported_namespace`/`exported_pod`, so per-team and per-service
            // queries (KEDA triggers, dashboards) read as they do in NVIDIA's documentation.
            serviceMonitor: { enabled: monitoring, honorLabels: true },
          },
          // The MIG manager applies each MIG pool's layout (node label nvidia.com/mig.config); without MIG pools it would only idle.
          migManager: { enabled: mig.length > 0, ...(mig.length > 0 ? { resources: operandResources } : {}) },
          ...(mig.length > 0
            ? { mig: { strategy: mig.some((m) => m.mode === "mig" && m.strategy === "mixed") ? "mixed" : "single" } }
            : {}),
          "node-feature-discovery": {
            master: { resources: resources("10m", "64Mi", "100m", "256Mi") },
            worker: { resources: resources("5m", "32Mi", "50m", "128Mi") },
            gc: { resources: resources("5m", "32Mi", "50m", "128Mi") },
          },
        },
      },
    ];
  },
};

/** GPU pools need a device plugin, and exactly one: the GPU Operator's, or the platform's own (GKE). */
function gpuOperatorProblems(ctx: ComponentContext): Problem[] {
  const problems: Problem[] = [];
  const gpuPools = gpuPoolNames(ctx.profile);
  const lifecycle = ctx.lifecycle("gpu-operator");
  const path = "components.gpu-operator.lifecycle";
  if (lifecycle === "managed" && gpuPools.length === 0) {
    problems.push({
      path,
      value: lifecycle,
      allowed: `the GPU Operator needs a GPU pool, and no pool has gpu; use "disabled" or add a GPU pool`,
    });
  }
  if (gpuPools.length > 0 && lifecycle === "disabled") {
    problems.push({
      path,
      value: lifecycle,
      allowed: `pools ${gpuPools.join(", ")} have GPUs, but without the GPU Operator (or an external device plugin) no pod can request them; use "managed" or "external"`,
    });
  }
  if (ctx.profile.cluster.provider === "gke" && lifecycle === "managed" && gpuPools.length > 0) {
    problems.push({
      path,
      value: lifecycle,
      allowed: `on GKE the node pools bring Google's driver installer and device plugin (with GPU sharing and MIG), and a second nvidia.com/gpu advertiser breaks nodes; use "external"`,
    });
  }
  return problems;
}
