import type { ProfileOverride } from "./schema";

const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };

/**
 * Amazon EKS: a CPU system pool and two GPU pools that scale from zero, L4 (g6) time-sliced for
 * interactive work and A100 (p4d) with MIG for training, on NVIDIA AL2023 AMIs (driver and toolkit
 * on the node, device plugin from the GPU Operator).
 */
export const eksGpu: ProfileOverride = {
  name: "eks-gpu",
  description: "EKS: system pool, L4 time-sliced pool and A100 MIG pool scaling from zero, two teams",
  cluster: {
    provider: "eks",
    name: "cnai-eks",
    region: "eu-west-1",
    kubernetesVersion: "1.35",
    network: { create: { cidr: "10.40.0.0/16", zones: 3 } },
    gpuAmi: "AL2023_x86_64_NVIDIA",
    // No internet-facing API endpoint: deploy the platform stack from inside the network (README, "API access").
    apiAccess: { endpoint: "private" },
    state: { bucket: "cnai-tofu-state", region: "eu-west-1" },
  },
  pools: {
    system: { nodes: 2, autoscaling: { min: 2, max: 4 } },
    l4: {
      nodes: 0,
      autoscaling: { min: 0, max: 4 },
      taints: [GPU_TAINT],
      gpu: { accelerator: "nvidia-l4", perNode: 1, sharing: { mode: "time-slicing", replicas: 4 } },
    },
    a100: {
      nodes: 0,
      autoscaling: { min: 0, max: 2 },
      spot: true,
      taints: [GPU_TAINT],
      gpu: {
        accelerator: "nvidia-a100-40gb",
        perNode: 8,
        sharing: { mode: "mig", strategy: "single", layout: "all-1g.5gb" },
      },
    },
  },
  teams: {
    research: {
      groups: ["research"],
      quota: {
        system: { cpu: "8", memory: "32Gi" },
        l4: { cpu: "8", memory: "32Gi", gpu: 8 },
        a100: { cpu: "48", memory: "512Gi", gpu: 56 },
      },
    },
    serving: {
      groups: ["serving"],
      defaultPriority: "interactive",
      quota: { system: { cpu: "8", memory: "32Gi" }, l4: { cpu: "8", memory: "32Gi", gpu: 8 } },
    },
  },
  queueing: { fairSharing: true },
  samples: {
    // An LLM on a time-sliced L4 slot, answering the RAG sample from the team's Qdrant collection.
    chat: { kind: "llm-service", team: "serving", pool: "l4", gpus: 1, replicas: 2 },
    rag: { kind: "rag", team: "serving", pool: "system", llm: "chat" },
  },
  // MLflow artifacts and models in the cloud's buckets, reached through workload identity (no keys).
  external: { objectStore: { cloud: true } },
  components: {
    "gpu-operator": { lifecycle: "managed" },
    "object-store": { lifecycle: "external" },
    // Login through your identity provider; the teams' `groups` decide who gets which team's servers. Replace the
    // issuer and client id with your provider's, and create the Secret before deploying:
    //   kubectl -n notebooks create secret generic notebooks-oidc --from-literal=client-secret=<secret>
    notebooks: {
      lifecycle: "managed",
      settings: {
        oidc: {
          issuerUrl: "https://login.example.com/realms/cnai",
          clientId: "cnai-notebooks",
          clientSecret: "notebooks-oidc",
        },
      },
    },
  },
};
