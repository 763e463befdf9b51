import { Guardrails } from "../../charts/guardrails";
import { KUEUE_QUEUE_LABEL } from "../../charts/kueue-queues";
import { TeamTenancy } from "../../charts/team-tenancy";
import { TEAM_LOCAL_QUEUE } from "./kueue";
import type { NamespacePeer } from "../../charts/team-tenancy";
import {
  maxObtainable,
  queuePoolNames,
  queuePools,
  resourcesPerGpu,
  teamNames,
  teamNamespace,
} from "../../profiles/plan";
import { formatCpu, formatMemory } from "../../profiles/quantity";
import type { Profile } from "../../profiles/schema";
import type { ComponentContext, ComponentDefinition, TeamKind } from "../component";
import { teamNamespaceSpecs } from "./teams";
import { NAMESPACE as MONITORING_NAMESPACE } from "./observability";
import { cloudStorageEgress, usesCloudStorage } from "../clouds/storage";
import { resources } from "./shared";

/** The most a team can ever hold, summed over pools: what its ResourceQuota allows, so it never blocks an admitted workload. */
export function teamMaximum(
  profile: Profile,
  team: string,
): { cpu: string; memory: string; extended: Record<string, number> } {
  const totals: Record<string, number> = {};
  const pools = queuePools(profile);
  for (const pool of queuePoolNames(profile)) {
    for (const resource of ["cpu", "memory", ...Object.keys(resourcesPerGpu(pools[pool].gpu))]) {
      totals[resource] = (totals[resource] ?? 0) + maxObtainable(profile, team, pool, resource);
    }
  }
  const { cpu = 0, memory = 0, ...extended } = totals;
  return { cpu: formatCpu(cpu), memory: formatMemory(memory), extended };
}

/**
 * The platform services a team's workloads may call: every managed component's declared `teamEgress`
 * (MLflow, the vector database, the object store, and whatever a fork adds), in catalog id order.
 */
export function teamEgress(ctx: ComponentContext): NamespacePeer[] {
  return byId(ctx.catalog)
    .filter((component) => ctx.lifecycle(component.id) === "managed")
    .flatMap((component) => [...(component.teamEgress?.(ctx) ?? [])]);
}

/** The platform pods allowed into team namespaces: every available component's declared `teamIngress` (the KubeRay operator). */
export function teamIngress(ctx: ComponentContext): NamespacePeer[] {
  return byId(ctx.catalog)
    .filter((component) => ctx.isAvailable(component.id))
    .flatMap((component) => [...(component.teamIngress?.(ctx) ?? [])]);
}

/** The custom resources members manage: every available component's declared `teamKinds` (TrainJobs, SparkApplications). */
export function teamKinds(ctx: ComponentContext): TeamKind[] {
  return byId(ctx.catalog)
    .filter((component) => ctx.isAvailable(component.id))
    .flatMap((component) => [...(component.teamKinds?.(ctx) ?? [])]);
}

function byId(catalog: readonly ComponentDefinition[]): ComponentDefinition[] {
  return [...catalog].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Team tenancy: per team namespace a ResourceQuota matching what its Kueue queue can ever admit, a
 * LimitRange, default-deny NetworkPolicies with the allows the golden paths need, a namespaced role
 * bound to the team's groups, and a workload ServiceAccount.
 */
export const tenancy: ComponentDefinition = {
  id: "tenancy",
  title: "Team tenancy",
  summary:
    "Team namespaces (PSA restricted, Kueue opt-in) with quotas, limits, network policies, RBAC, guardrail policies",
  defaultLifecycle: "managed",
  reservedNamespaces: [],
  placement: "every-cluster",
  dependencies: () => [
    { id: "observability", optional: true, reason: "metrics scraping from the monitoring namespace is allowed in" },
    { id: "kuberay", optional: true, reason: "the KubeRay operator polls Ray heads' dashboards in team namespaces" },
  ],
  namespaces: (ctx) => teamNamespaceSpecs(ctx.profile),
  steps: (ctx) => {
    const teams = teamNames(ctx.profile);
    if (teams.length === 0) return [];
    return [
      {
        kind: "local",
        name: "team-tenancy",
        // Roles, quotas, policies from the profile; the namespaces (and what teams create in them) are not in the release.
        onFailedInstall: "uninstall",
        // Every object names its team namespace; the release itself lives in the first one.
        namespace: teamNamespace(teams[0], ctx.profile.teams[teams[0]]),
        render: (app, id) => {
          for (const team of teams) {
            const spec = ctx.profile.teams[team];
            new TeamTenancy(app, `${id}-${team}`, {
              namespace: teamNamespace(team, spec),
              quota: teamMaximum(ctx.profile, team),
              containerDefaults: resources("100m", "256Mi", "1", "1Gi"),
              egressTo: teamEgress(ctx),
              ingressFrom: teamIngress(ctx),
              monitoringNamespace: ctx.isAvailable("observability") ? MONITORING_NAMESPACE : undefined,
              workflows: ctx.isAvailable("argo-workflows"),
              teamKinds: teamKinds(ctx),
              egressToCidrs: usesCloudStorage(ctx.profile) ? cloudStorageEgress(ctx.profile) : [],
              exposedServices: spec.exposedServices,
              groups: spec.groups,
              users: spec.users,
            });
          }
          new Guardrails(app, `${id}-guardrails`, {
            namespaces: teams.map((team) => {
              const spec = ctx.profile.teams[team];
              return {
                namespace: teamNamespace(team, spec),
                localQueue: TEAM_LOCAL_QUEUE,
                allowLoadBalancers: (spec.exposedServices?.loadBalancers ?? 0) > 0,
                allowNodePorts: (spec.exposedServices?.nodePorts ?? 0) > 0,
              };
            }),
            allowedRegistries: ctx.profile.security.allowedRegistries,
            queueLabel: KUEUE_QUEUE_LABEL,
          });
        },
      },
    ];
  },
};
