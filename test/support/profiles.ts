import type { ComponentId } from "../../platform/component";
import { contextFor } from "../../platform/graph";
import { PROFILES } from "../../profiles/index";
import { loadProfile } from "../../profiles/load";
import type { Profile } from "../../profiles/schema";

/** The shipped profiles on which a component is managed, in the profile table's order. */
export function profilesManaging(id: ComponentId): string[] {
  return Object.keys(PROFILES).filter((name) => contextFor(loadProfile(name)).lifecycle(id) === "managed");
}

/**
 * The cloud profiles keep their object store in the cloud's buckets. Tests of the other parts of a cluster
 * stack use the profile with the in-cluster store instead, built directly because maps merge: an override
 * cannot remove `external.objectStore`.
 */
export function withoutCloudStorage<P extends Profile>(profile: P): P {
  return {
    ...profile,
    external: { ...profile.external, objectStore: undefined },
    components: { ...profile.components, "object-store": { lifecycle: "managed" } },
  };
}

/** True when a test override asks for cloud storage itself. */
export function asksForCloudStorage(override: unknown): boolean {
  return JSON.stringify(override ?? {}).includes('"cloud":true');
}
