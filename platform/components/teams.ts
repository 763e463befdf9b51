import { KUEUE_OPT_IN_LABEL, KUEUE_OPT_IN_VALUE } from "../../charts/kueue-queues";
import { teamNamespaceLabels } from "../../charts/team-tenancy";
import { teamNames, teamNamespace } from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { NamespaceSpec } from "../component";
import { IMAGES } from "../versions";

/**
 * The cluster's Kubernetes minor as Pod Security labels write it (`v1.35`): the cloud profile's
 * `cluster.kubernetesVersion`, or on kind the pinned node image's version.
 */
export function clusterKubernetesMinor(profile: Profile): string {
  if (profile.cluster.provider !== "kind") return `v${profile.cluster.kubernetesVersion}`;
  const match = /^v(\d+)\.(\d+)\./.exec(IMAGES["kind-node"].tag);
  if (!match) throw new Error(`IMAGES["kind-node"].tag "${IMAGES["kind-node"].tag}" must start with v<major>.<minor>.`);
  return `v${match[1]}.${match[2]}`;
}

/**
 * Every team namespace: Pod Security `restricted` at the cluster's minor version, and Kueue's opt-in
 * label so the team's jobs are queued. Declared by every component that puts objects there
 * (namespaces merge by name).
 */
export function teamNamespaceSpecs(profile: Profile): NamespaceSpec[] {
  const labels = { ...teamNamespaceLabels(clusterKubernetesMinor(profile)), [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE };
  return teamNames(profile).map((name) => ({ name: teamNamespace(name, profile.teams[name]), labels }));
}
