import { stringify } from "yaml";
import type { Profile } from "../../profiles/schema";
import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "gpu-operator";

/** The device plugin ConfigMap the chart renders when GPUs are shared, and its one config key. */
export const DEVICE_PLUGIN_CONFIG = "device-plugin-config";

/**
 * The device plugin's sharing config (k8s-device-plugin v0.20.0 `version: v1` format, facts-clouds §2), or
 * undefined when GPUs are not shared. Time-slicing and MPS are mutually exclusive and apply to every GPU of a node.
 */
export function devicePluginSharingConfig(profile: Profile): Record<string, unknown> | undefined {
  const { mode, replicas } = profile.gpu.sharing;
  if (mode === "none") return undefined;
  if (replicas === undefined) throw new Error(`gpu.sharing.mode "${mode}" needs gpu.sharing.replicas`);
  const gpuResource = [{ name: "nvidia.com/gpu", replicas }];
  const sharing =
    mode === "time-slicing"
      ? // A container asking for 2 slices would get no more GPU than with 1: reject it, as NVIDIA recommends.
        { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: gpuResource } }
      : { mps: { renameByDefault: false, resources: gpuResource } };
  return { version: "v1", flags: { migStrategy: "none" }, sharing };
}

/**
 * NVIDIA GPU Operator for kind workers that get GPUs the nvkind way: the host already has the driver and
 * nvidia-container-toolkit, so both operands are off and containers get devices through CDI (facts §9).
 * Only the operands a laptop GPU uses run: device plugin, GPU feature discovery, validator, and the DCGM
 * exporter when there is a Prometheus to scrape it. The chart ships no admission webhook, so no gate.
 */
export const gpuOperator: ComponentDefinition = {
  id: "gpu-operator",
  title: "NVIDIA GPU Operator",
  summary: "Exposes the host's NVIDIA GPUs to pods (device plugin, CDI, GPU sharing, DCGM metrics)",
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for the DCGM exporter" }],
  // The operands mount host paths and run privileged (nvkind README "Install GPU Operator").
  namespaces: () => [{ name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } }],
  steps: (ctx) => {
    const monitoring = monitoringEnabled(ctx);
    const sharingConfig = devicePluginSharingConfig(ctx.profile);
    const operandResources = resources("10m", "32Mi", "100m", "128Mi");
    return [
      {
        kind: "upstream",
        name: "gpu-operator",
        namespace: NAMESPACE,
        chart: "gpu-operator",
        primary: true,
        values: {
          driver: { enabled: false },
          toolkit: { enabled: false },
          cdi: { enabled: true },
          operator: { runtimeClass: "nvidia", resources: resources("20m", "64Mi", "200m", "256Mi") },
          validator: { resources: operandResources },
          devicePlugin: {
            resources: operandResources,
            // Rendered by the chart as a ConfigMap and selected cluster-wide through `default`.
            ...(sharingConfig && {
              config: {
                create: true,
                name: DEVICE_PLUGIN_CONFIG,
                default: ctx.profile.gpu.sharing.mode,
                data: { [ctx.profile.gpu.sharing.mode]: stringify(sharingConfig) },
              },
            }),
          },
          gfd: { resources: operandResources },
          dcgmExporter: {
            enabled: monitoring,
            resources: resources("20m", "128Mi", "200m", "512Mi"),
            serviceMonitor: { enabled: monitoring },
          },
          // Laptop and workstation GPUs are not MIG-capable; the MIG manager would only idle.
          migManager: { enabled: false },
          "node-feature-discovery": {
            master: { resources: resources("10m", "64Mi", "100m", "256Mi") },
            worker: { resources: resources("5m", "32Mi", "50m", "128Mi") },
            gc: { resources: resources("5m", "32Mi", "50m", "128Mi") },
          },
        },
        workloads: [
          { name: "gpu-operator", replicas: 1, resourcesAt: "operator.resources" },
          { name: "nfd-master", replicas: 1, resourcesAt: "node-feature-discovery.master.resources" },
          { name: "nfd-worker", replicas: "per-node", resourcesAt: "node-feature-discovery.worker.resources" },
          { name: "nfd-gc", replicas: 1, resourcesAt: "node-feature-discovery.gc.resources" },
          { name: "nvidia-device-plugin", replicas: "per-node", resourcesAt: "devicePlugin.resources" },
          { name: "gpu-feature-discovery", replicas: "per-node", resourcesAt: "gfd.resources" },
          { name: "nvidia-operator-validator", replicas: "per-node", resourcesAt: "validator.resources" },
          ...(monitoring
            ? [{ name: "nvidia-dcgm-exporter", replicas: "per-node" as const, resourcesAt: "dcgmExporter.resources" }]
            : []),
        ],
      },
    ];
  },
};
