import { aksGpu } from "./aks-gpu";
import { clusterGpu } from "./cluster-gpu";
import { clusterGpuDra } from "./cluster-gpu-dra";
import { eksGpu } from "./eks-gpu";
import { gkeGpu } from "./gke-gpu";
import { laptop } from "./laptop";
import { laptopGpu } from "./laptop-gpu";
import { multicloudGpu } from "./multicloud-gpu";
import { workstationGpu } from "./workstation-gpu";
import type { ProfileOverride } from "./schema";

/** Every profile the distribution ships, by name. The first is the default. */
export const PROFILES: Readonly<Record<string, ProfileOverride>> = {
  laptop,
  "laptop-gpu": laptopGpu,
  "workstation-gpu": workstationGpu,
  "cluster-gpu": clusterGpu,
  "cluster-gpu-dra": clusterGpuDra,
  "eks-gpu": eksGpu,
  "gke-gpu": gkeGpu,
  "aks-gpu": aksGpu,
  "multicloud-gpu": multicloudGpu,
};

export const DEFAULT_PROFILE = "laptop";
