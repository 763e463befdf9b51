import type { ProfileOverride } from "./schema";

const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };

/**
 * The workers' API servers must answer the management cluster's MultiKueue controller, which reaches them from
 * another cloud over the internet, so they are public, restricted to the networks listed here. 203.0.113.0/24 is
 * TEST-NET-3 (RFC 5737), a placeholder that matches no real address: a fork replaces it with the management
 * cluster's NAT gateway address as a /32, plus its deployers' networks (README, "multicloud-gpu").
 */
const WORKER_API_ACCESS = { endpoint: "public" as const, authorizedCidrs: ["203.0.113.0/24"] };

/**
 * A management cluster on EKS (CPU only: Kueue with MultiKueue, MLflow, the vector database, the object
 * store, KServe for serving) and two GPU worker clusters on other clouds: GKE with L4s and AKS with T4s.
 * Teams queue on the management cluster; Kueue dispatches their jobs to whichever worker has room.
 */
export const multicloudGpu: ProfileOverride = {
  name: "multicloud-gpu",
  description: "EKS management cluster (shared services) dispatching jobs to GPU workers on GKE and AKS",
  cluster: {
    provider: "eks",
    name: "cnai-mgmt",
    region: "eu-west-1",
    kubernetesVersion: "1.35",
    network: { create: { cidr: "10.70.0.0/16", zones: 3 } },
    gpuAmi: "AL2023_x86_64_NVIDIA",
    // No internet-facing API endpoint: deploy from inside this VPC, whose NAT address the workers authorize.
    apiAccess: { endpoint: "private" },
    state: { bucket: "cnai-tofu-state", region: "eu-west-1" },
  },
  pools: { system: { nodes: 2, autoscaling: { min: 2, max: 4 } } },
  workers: {
    gke: {
      cluster: {
        provider: "gke",
        name: "cnai-worker-gke",
        project: "cnai-platform",
        location: "europe-west4-a",
        kubernetesVersion: "1.35",
        network: { create: { cidr: "10.71.0.0/20", podsCidr: "10.72.0.0/14", servicesCidr: "10.76.0.0/20" } },
        apiAccess: WORKER_API_ACCESS,
        state: { bucket: "cnai-tofu-state" },
      },
      pools: {
        "gke-system": { nodes: 1, autoscaling: { min: 1, max: 2 } },
        "gke-l4": {
          nodes: 0,
          autoscaling: { min: 0, max: 4 },
          taints: [GPU_TAINT],
          gpu: { accelerator: "nvidia-l4", perNode: 1, sharing: { mode: "time-slicing", replicas: 2 } },
        },
      },
      gpuOperator: "external",
    },
    aks: {
      cluster: {
        provider: "aks",
        name: "cnai-worker-aks",
        location: "westeurope",
        resourceGroup: "cnai-worker",
        kubernetesVersion: "1.35",
        network: { create: { cidr: "10.80.0.0/16", nodesCidr: "10.80.0.0/20" } },
        apiAccess: WORKER_API_ACCESS,
        state: { resourceGroup: "cnai-state", storageAccount: "cnaitofustate", container: "tfstate" },
      },
      pools: {
        akssystem: { nodes: 1, autoscaling: { min: 1, max: 2 } },
        akst4: {
          nodes: 0,
          autoscaling: { min: 0, max: 4 },
          taints: [GPU_TAINT],
          gpu: { accelerator: "nvidia-t4", perNode: 1, sharing: { mode: "none" } },
        },
      },
      gpuOperator: "managed",
    },
  },
  // Jobs on the workers log to MLflow on the management cluster through an address you expose (e.g. an Ingress).
  sharedServices: { mlflowUrl: "https://mlflow.cnai.example.com" },
  teams: {
    research: {
      groups: ["research"],
      quota: {
        system: { cpu: "4", memory: "16Gi" },
        "gke-system": { cpu: "2", memory: "8Gi" },
        "gke-l4": { cpu: "16", memory: "64Gi", gpu: 6 },
        akssystem: { cpu: "2", memory: "8Gi" },
        akst4: { cpu: "16", memory: "64Gi", gpu: 2 },
      },
    },
    serving: {
      groups: ["serving"],
      defaultPriority: "interactive",
      quota: {
        system: { cpu: "8", memory: "32Gi" },
        "gke-l4": { cpu: "8", memory: "32Gi", gpu: 2 },
        akst4: { cpu: "8", memory: "32Gi", gpu: 2 },
      },
    },
  },
  queueing: { fairSharing: true },
  samples: {
    "ray-train": { kind: "ray-job", team: "research", pool: "gke-l4", gpus: 1, replicas: 2 },
    "fine-tune": { kind: "training-job", team: "research", pool: "akst4", gpus: 1 },
    "chat-model": { kind: "inference-service", team: "serving", pool: "system", priority: "interactive" },
  },
  // MLflow artifacts and models in the cloud's buckets, reached through workload identity (no keys).
  external: { objectStore: { cloud: true } },
  // Notebooks need an identity provider here (components.notebooks.settings.oidc); enable them with one.
  components: {
    "gpu-operator": { lifecycle: "disabled" },
    "object-store": { lifecycle: "external" },
    notebooks: { lifecycle: "disabled" },
  },
};
