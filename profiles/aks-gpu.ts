import type { ProfileOverride } from "./schema";

/**
 * Azure AKS: a CPU system pool and a T4 pool scaling from zero. AKS installs the driver (its default
 * images ship driver and toolkit); the GPU Operator adds the device plugin and DCGM exporter.
 */
export const aksGpu: ProfileOverride = {
  name: "aks-gpu",
  description: "AKS: system pool and a T4 pool (AKS driver, GPU Operator device plugin), one team",
  cluster: {
    provider: "aks",
    name: "cnai-aks",
    location: "westeurope",
    resourceGroup: "cnai-platform",
    kubernetesVersion: "1.35",
    network: { create: { cidr: "10.60.0.0/16", nodesCidr: "10.60.0.0/20" } },
    // No internet-facing API endpoint: deploy the platform stack from inside the network (README, "API access").
    apiAccess: { endpoint: "private" },
    state: { resourceGroup: "cnai-state", storageAccount: "cnaitofustate", container: "tfstate" },
  },
  pools: {
    system: { nodes: 2, autoscaling: { min: 2, max: 4 } },
    t4: {
      nodes: 0,
      autoscaling: { min: 0, max: 4 },
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
      gpu: { accelerator: "nvidia-t4", perNode: 1, sharing: { mode: "none" } },
    },
  },
  teams: {
    default: {
      namespace: "team-default",
      quota: { system: { cpu: "8", memory: "32Gi" }, t4: { cpu: "8", memory: "32Gi", gpu: 4 } },
    },
  },
  // MLflow artifacts and models in the cloud's buckets, reached through workload identity (no keys).
  external: { objectStore: { cloud: true } },
  // Notebooks need an identity provider here (components.notebooks.settings.oidc); enable them with one.
  components: {
    "gpu-operator": { lifecycle: "managed" },
    "object-store": { lifecycle: "external" },
    notebooks: { lifecycle: "disabled" },
  },
};
