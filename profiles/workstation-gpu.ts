import type { ProfileOverride } from "./schema";

/**
 * One workstation node with two GPUs shared by time-slicing (4 pods per GPU), for two teams that
 * can borrow each other's idle slots. Samples show a RayJob, a training Job and an InferenceService.
 */
export const workstationGpu: ProfileOverride = {
  name: "workstation-gpu",
  description: "kind on one 2-GPU workstation, time-slicing ×4, two teams sharing 8 GPU slots",
  cluster: { provider: "kind", name: "cnai-workstation", controlPlanes: 1 },
  pools: {
    gpu: {
      nodes: 1,
      gpu: {
        accelerator: "nvidia-rtx",
        perNode: 2,
        sharing: { mode: "time-slicing", replicas: 4 },
        hostDevices: [0, 1],
      },
    },
  },
  teams: {
    research: { groups: ["research"], quota: { gpu: { cpu: "6", memory: "24Gi", gpu: 4 } } },
    applied: {
      groups: ["applied-ml"],
      defaultPriority: "interactive",
      quota: { gpu: { cpu: "4", memory: "16Gi", gpu: 4, lendingLimit: { gpu: 2 } } },
    },
  },
  queueing: { fairSharing: true },
  samples: {
    "ray-train": { kind: "ray-job", team: "research", pool: "gpu", gpus: 1, replicas: 2 },
    "fine-tune": { kind: "training-job", team: "research", pool: "gpu", gpus: 1 },
    "chat-model": { kind: "inference-service", team: "applied", pool: "gpu", gpus: 1, priority: "interactive" },
  },
  // kind on a Linux host: Kepler reads the host's RAPL counters (platform/components/kepler.ts).
  components: { "gpu-operator": { lifecycle: "managed" }, kepler: { lifecycle: "managed" } },
};
