import { clusterGpu } from "./cluster-gpu";
import { laptop } from "./laptop";
import { laptopGpu } from "./laptop-gpu";
import { workstationGpu } from "./workstation-gpu";
import type { ProfileOverride } from "./schema";

/** Every profile the distribution ships, by name. The first is the default. */
export const PROFILES: Readonly<Record<string, ProfileOverride>> = {
  laptop,
  "laptop-gpu": laptopGpu,
  "workstation-gpu": workstationGpu,
  "cluster-gpu": clusterGpu,
};

export const DEFAULT_PROFILE = "laptop";
