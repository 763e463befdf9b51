import type { ProfileOverride } from "./schema";

/**
 * Google GKE Standard: a CPU system pool and an L4 (G2) pool scaling from zero with GKE's own GPU
 * stack (driver installer and device plugin, time-sharing configured on the node pool), so the GPU
 * Operator is `external` here.
 */
export const gkeGpu: ProfileOverride = {
  name: "gke-gpu",
  description: "GKE Standard: system pool and an L4 time-shared pool (GKE-managed driver and device plugin)",
  cluster: {
    provider: "gke",
    name: "cnai-gke",
    project: "cnai-platform",
    // A zone: GKE sizes node pools per zone, so a zonal cluster has exactly the nodes the capacity report counts.
    location: "europe-west4-a",
    kubernetesVersion: "1.35",
    network: { create: { cidr: "10.50.0.0/20", podsCidr: "10.52.0.0/14", servicesCidr: "10.56.0.0/20" } },
    // No internet-facing API endpoint: deploy the platform stack from inside the network (README, "API access").
    apiAccess: { endpoint: "private" },
    state: { bucket: "cnai-tofu-state" },
  },
  pools: {
    system: { nodes: 1, autoscaling: { min: 1, max: 3 } },
    l4: {
      nodes: 0,
      autoscaling: { min: 0, max: 4 },
      taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
      gpu: { accelerator: "nvidia-l4", perNode: 1, sharing: { mode: "time-slicing", replicas: 4 } },
    },
  },
  teams: {
    default: {
      namespace: "team-default",
      quota: { system: { cpu: "8", memory: "32Gi" }, l4: { cpu: "8", memory: "32Gi", gpu: 16 } },
    },
  },
  // MLflow artifacts and models in the cloud's buckets, reached through workload identity (no keys).
  external: { objectStore: { cloud: true } },
  // Notebooks need an identity provider here (components.notebooks.settings.oidc); enable them with one.
  components: {
    "gpu-operator": { lifecycle: "external" },
    "object-store": { lifecycle: "external" },
    notebooks: { lifecycle: "disabled" },
  },
};
