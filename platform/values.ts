import { deepMerge } from "../profiles/merge";
import type { Profile } from "../profiles/schema";
import type { ComponentId, UpstreamRelease } from "./component";

/**
 * The values a release is installed with: the component's typed defaults, with the profile's
 * `components.<id>.values` merged over the primary release (maps merge, lists replace).
 */
export function releaseValues(
  step: UpstreamRelease,
  component: ComponentId,
  profile: Profile,
): Record<string, unknown> {
  const base = step.values as Record<string, unknown>;
  return step.primary ? deepMerge(base, profile.components[component]?.values) : deepMerge(base);
}
