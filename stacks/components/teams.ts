import { KUEUE_OPT_IN_LABEL, KUEUE_OPT_IN_VALUE } from "../../charts/kueue-queues";
import { teamNamespaceLabels } from "../../charts/team-tenancy";
import { teamNames, teamNamespace } from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { NamespaceSpec } from "../component";

/**
 * Every team namespace: Pod Security `restricted`, and Kueue's opt-in label so the team's jobs are
 * queued. Declared by every component that puts objects there (namespaces merge by name).
 */
export function teamNamespaceSpecs(profile: Profile): NamespaceSpec[] {
  return teamNames(profile).map((name) => ({
    name: teamNamespace(name, profile.teams[name]),
    labels: { ...teamNamespaceLabels(), [KUEUE_OPT_IN_LABEL]: KUEUE_OPT_IN_VALUE },
  }));
}
