/**
 * MultiKueue: a management cluster (the profile's own `cluster`) dispatches jobs to worker clusters,
 * named under `workers`. How a worker's profile is derived lives in `platform/multicluster.ts`, because
 * which components a worker runs is each component's own declaration (its `placement`).
 */
import type { Profile } from "./schema";

export function workerNames(profile: Profile): string[] {
  return Object.keys(profile.workers).sort();
}
