import type { ProfileOverride } from "./schema";

export const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };

/**
 * A multi-GPU server (e.g. 8 × A100 80 GB) as a small cluster: a CPU system pool, a MIG pool (4 GPUs
 * cut into 28 × 1g.10gb slices) and a full-GPU pool (4 GPUs), shared by three teams in one cohort.
 */
export const clusterGpu: ProfileOverride = {
  name: "cluster-gpu",
  description: "kind on an 8-GPU A100 server: system pool, MIG pool (28 × 1g.10gb), full-GPU pool (4), three teams",
  cluster: { provider: "kind", name: "cnai-cluster", controlPlanes: 1 },
  pools: {
    system: { nodes: 1 },
    mig: {
      nodes: 1,
      taints: [GPU_TAINT],
      gpu: {
        accelerator: "nvidia-a100-80gb",
        perNode: 4,
        sharing: { mode: "mig", strategy: "mixed", layout: "all-1g.10gb" },
        hostDevices: [0, 1, 2, 3],
      },
    },
    full: {
      nodes: 1,
      taints: [GPU_TAINT],
      gpu: { accelerator: "nvidia-a100-80gb", perNode: 4, sharing: { mode: "none" }, hostDevices: [4, 5, 6, 7] },
    },
  },
  teams: {
    research: {
      groups: ["research"],
      quota: {
        system: { cpu: "4", memory: "16Gi" },
        mig: { cpu: "16", memory: "64Gi", gpu: 12 },
        full: { cpu: "16", memory: "128Gi", gpu: 2 },
      },
    },
    training: {
      groups: ["training"],
      weight: 2,
      quota: {
        system: { cpu: "2", memory: "8Gi" },
        mig: { cpu: "8", memory: "32Gi", gpu: 8 },
        full: { cpu: "16", memory: "128Gi", gpu: 2, borrowingLimit: { gpu: 2 } },
      },
    },
    serving: {
      groups: ["serving"],
      defaultPriority: "interactive",
      quota: {
        system: { cpu: "2", memory: "8Gi" },
        mig: { cpu: "8", memory: "32Gi", gpu: 8, lendingLimit: { gpu: 4 } },
        full: { cpu: "4", memory: "16Gi", gpu: 0, borrowingLimit: { gpu: 1 } },
      },
    },
  },
  queueing: { fairSharing: true },
  samples: {
    // Hyperparameter search: Ray Tune trials on four MIG slices, logged to MLflow, the best model registered.
    "ray-sweep": { kind: "ray-tune", team: "research", pool: "mig", gpus: 1, replicas: 4 },
    notebook: { kind: "ray-cluster", team: "research", pool: "mig", gpus: 1 },
    // PyTorch DDP over two nodes of one whole GPU each (Kubeflow Trainer), within the training team's nominal quota.
    pretrain: { kind: "train-job", team: "training", pool: "full", gpus: 1, replicas: 2 },
    // Ray Data → TrainJob → evaluate → register in MLflow → InferenceService if good enough (Argo Workflows).
    pipeline: { kind: "pipeline", team: "training", pool: "full", gpus: 1, replicas: 2 },
    "llm-serving": { kind: "llm-service", team: "serving", pool: "mig", gpus: 1, replicas: 2 },
    "rag-index": { kind: "vector-client", team: "serving", pool: "system" },
    rag: { kind: "rag", team: "serving", pool: "system", llm: "llm-serving" },
    // The sample feature repository in the training team's Feast project (docs/feast.md).
    features: { kind: "feature-repo", team: "training", pool: "system" },
  },
  components: {
    "gpu-operator": { lifecycle: "managed" },
    // kind on a Linux host: Kepler reads the host's RAPL counters (platform/components/kepler.ts).
    kepler: { lifecycle: "managed" },
    // Multi-node training on the whole GPUs of pool `full` (platform/components/kubeflow-trainer.ts).
    jobset: { lifecycle: "managed" },
    "kubeflow-trainer": { lifecycle: "managed" },
    // Pipelines: workflow pods in the team namespaces, each queued by Kueue (platform/components/argo-workflows.ts).
    "argo-workflows": { lifecycle: "managed" },
    // A feature store per team on the platform's PostgreSQL (platform/components/feast.ts, docs/feast.md).
    feast: { lifecycle: "managed" },
    // Data preparation at Spark scale: SparkApplications admitted whole by Kueue (platform/components/spark-operator.ts).
    "spark-operator": { lifecycle: "managed" },
  },
};
