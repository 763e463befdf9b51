/**
 * `npm run verify:upgrade -- <profile> --from <ref>`: a running platform deployed from an older ref upgrades to this
 * tree on the real-control-plane tier (scripts/local/verify.ts), as a fork's cluster follows a release.
 *
 *  1. **from**: the ref resolved (scripts/local/upgrade-ref.ts) and checked out as a detached worktree.
 *  2. **control plane**: as verify:cluster, shaped by this tree's profile, the chart repository holding the charts
 *     of both refs' version tables.
 *  3. **deploy <ref>**: the older ref's own stacks, synthesized and deployed from its worktree (`cdktf deploy
 *     <profile>-cluster <profile>-platform`), with the same override file and environment as verify:cluster, into
 *     the same cdktf output folder: both deploys share the stacks' local state (stacks/clusters/state.ts).
 *  4. **record**: Helm releases and their charts, CRDs, the UIDs of claims, StatefulSets, Deployments, CloudNativePG
 *     Clusters, Prometheuses and the cluster-scoped objects.
 *  5. **upgrade**: this tree's plan of the platform stack (saved, `tofu show -json`), then `cdktf deploy` over the
 *     running platform.
 *  6. **checks**: every release deployed; what changed (scripts/local/upgrade-report.ts); no claim, StatefulSet or
 *     database object replaced or deleted unless the CHANGELOG says why.
 *  7. **re-plan** and **destroy** as verify:cluster; the cluster goes down and the worktree is removed, also on failure.
 *
 * Kueue runs on this tier as a local process from this tree's pin (kueueRunnerCommand) for both deploys: the older
 * ref's Kueue chart is installed, but the manager answering its webhooks is the current one.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckedProfile } from "../../platform/check";
import { CHARTS } from "../../platform/versions";
import type { ChartVersion } from "../../platform/versions";
import type { K8sList, LocalTier, PhaseResult } from "./verify";
import { CLUSTER_KINDS, destroyPhase, PhaseRunner, realProviderMirror, replanPhase, withLocalTier } from "./verify";
import { readClusterTools } from "./config";
import type { FromCheckout, ResolvedRef } from "./upgrade-ref";
import {
  createFromCheckout,
  pinsAtRef,
  PREVIOUS_RELEASE,
  providersMissing,
  removeFromCheckout,
  resolveFromRef,
  unionCharts,
} from "./upgrade-ref";
import type { PlanSummary, UpgradeReport, UpgradeSnapshot } from "./upgrade-report";
import { changelogExceptions, dataAtRisk, planSummary, reportLines, specDigest, upgradeReport } from "./upgrade-report";

export interface UpgradeOptions {
  readonly root: string;
  readonly profile: string;
  /** A commit, tag, branch, or `previous-release`. */
  readonly from: string;
  readonly log?: (line: string) => void;
  /** Keep the cluster up afterwards (for debugging; the worktree is removed all the same). @default false */
  readonly keep?: boolean;
}

export interface UpgradeResult {
  readonly phases: PhaseResult[];
  readonly peakMemoryMiB: number;
  readonly lines: string[];
  /** Where the JSON report is. */
  readonly reportFile: string;
}

/**
 * The custom resources whose UIDs stand for the data of operators that do not run on the tier. Names as the pinned
 * CRDs spell them: cloudnative-pg 0.29.0 `postgresql.cnpg.io_clusters.yaml`, kube-prometheus-stack 88.5.3
 * `charts/crds/crds/crd-prometheuses.yaml`.
 */
const DATA_RESOURCES = ["clusters.postgresql.cnpg.io", "prometheuses.monitoring.coreos.com"];

interface CrdItem {
  metadata: { name: string; uid?: string };
  spec?: { versions?: Array<{ name: string; served?: boolean }> };
  status?: { storedVersions?: string[] };
}

/** The cluster as the report compares it (upgrade-report.ts `UpgradeSnapshot`), plus each release's status. */
async function record(tier: LocalTier): Promise<UpgradeSnapshot & { failed: string[] }> {
  const helm = JSON.parse(
    await tier.inCluster(
      [tier.tools.helm, "--kubeconfig", tier.cluster.kubeconfig, "list", "-A", "-a", "-o", "json"],
      60_000,
    ),
  ) as Array<{ name: string; namespace: string; chart: string; status: string }>;
  const crds = (
    JSON.parse(await tier.kubectl(["get", "customresourcedefinitions", "-o", "json"])) as { items: CrdItem[] }
  ).items;
  const names = new Set(crds.map((c) => c.metadata.name));
  const kinds = [
    "persistentvolumeclaims",
    "statefulsets.apps",
    "deployments.apps",
    ...DATA_RESOURCES.filter((r) => names.has(r)),
    ...CLUSTER_KINDS.filter((k) => k !== "customresourcedefinitions"),
  ];
  const objects = (JSON.parse(await tier.kubectl(["get", kinds.join(","), "-A", "-o", "json"])) as K8sList).items;
  return {
    releases: helm.map((r) => ({ name: r.name, namespace: r.namespace, chart: r.chart })),
    failed: helm.filter((r) => r.status !== "deployed").map((r) => `${r.namespace}/${r.name} (${r.status})`),
    crds: crds.map((c) => ({
      name: c.metadata.name,
      uid: c.metadata.uid ?? "",
      storedVersions: c.status?.storedVersions ?? [],
      servedVersions: (c.spec?.versions ?? []).filter((v) => v.served !== false).map((v) => v.name),
      specDigest: specDigest(c.spec),
    })),
    objects: [
      ...crds.map((c) => ({
        kind: "CustomResourceDefinition",
        namespace: "",
        name: c.metadata.name,
        uid: c.metadata.uid ?? "",
      })),
      ...objects.map((o) => ({
        kind: o.kind ?? "",
        namespace: o.metadata.namespace ?? "",
        name: o.metadata.name,
        uid: o.metadata.uid ?? "",
      })),
    ],
  };
}

const count = (items: readonly unknown[], what: string) => `${items.length} ${what}`;

export async function verifyUpgrade(options: UpgradeOptions): Promise<UpgradeResult> {
  const runner = new PhaseRunner(options.log);
  const name = `upgrade-${options.profile}`.slice(0, 63);
  const reportFile = join(options.root, ".local", "logs", name, "upgrade-report.json");
  let resolved: ResolvedRef | undefined;
  let from: FromCheckout | undefined;
  let oldCharts: ChartVersion[] = [];
  const json: Record<string, unknown> = { profile: options.profile };
  const lines: string[] = [];
  // An unknown profile fails before any worktree or cluster exists.
  loadCheckedProfile(options.profile);
  try {
    await runner.phase("from", async () => {
      resolved = resolveFromRef(options.root, options.from);
      const pins = pinsAtRef(options.root, resolved.commit);
      // Before any worktree or cluster: a provider the tier cannot install would fail only in the deploy.
      const missing = providersMissing(
        `${options.from} (${resolved.commit.slice(0, 12)})`,
        pins.providers,
        realProviderMirror(readClusterTools(options.root)),
      );
      if (missing.length > 0) throw new Error(missing.join("; "));
      oldCharts = pins.charts;
      from = createFromCheckout(options.root, resolved.commit);
      json.from = { ref: resolved.ref, commit: resolved.commit, version: from.version, how: resolved.how };
      return `${resolved.ref} = ${resolved.commit.slice(0, 12)} (${resolved.how}), version ${from.version}: a worktree at ${from.dir}, ${from.modules}; ${oldCharts.length} charts in its version table`;
    });
    const checkout = from as FromCheckout;
    // `previous-release` is named by its commit in the phase lines.
    const ref = resolved?.ref === PREVIOUS_RELEASE ? checkout.commit.slice(0, 7) : (resolved as ResolvedRef).ref;
    const { peakMemoryMiB } = await withLocalTier(
      {
        root: options.root,
        profile: options.profile,
        name,
        runner,
        keep: options.keep,
        charts: unionCharts(oldCharts, Object.values(CHARTS)),
      },
      async (tier) => {
        const [, platform] = tier.stacks;
        await tier.phase(`deploy ${ref}`, async () => {
          await tier.cdktf("deploy", tier.stacks, { dir: checkout.dir, log: "deploy-from" });
          return `${ref}'s stacks synthesized and deployed from its worktree`;
        });

        let before: Awaited<ReturnType<typeof record>> | undefined;
        await tier.phase("record", async () => {
          before = await record(tier);
          if (before.failed.length > 0)
            throw new Error(`releases not deployed after ${ref}'s deploy: ${before.failed.join(", ")}`);
          const claims = before.objects.filter((o) => o.kind === "PersistentVolumeClaim");
          return `${count(before.releases, "releases")}, ${count(before.crds, "CRDs")}, ${count(before.objects, "objects")} (${count(claims, "PersistentVolumeClaims")})`;
        });

        let plan: PlanSummary | undefined;
        await tier.phase("upgrade", async () => {
          // cdktf diff synthesizes this tree and initializes the stack folder; the saved plan is the upgrade's.
          await tier.cdktf("diff", [platform], { dir: options.root, log: "upgrade-diff" });
          const dir = join(tier.outdir, "stacks", platform);
          await tier.inCluster(
            [tier.tools.tofu, "plan", "-input=false", "-no-color", "-lock=false", "-out=upgrade.tfplan"],
            10 * 60_000,
            dir,
          );
          plan = planSummary(
            JSON.parse(await tier.inCluster([tier.tools.tofu, "show", "-json", "upgrade.tfplan"], 60_000, dir)),
          );
          json.plan = { [platform]: plan };
          await tier.cdktf("deploy", tier.stacks, { dir: options.root, log: "upgrade" });
          return `${platform} planned ${plan.update.length} to update, ${plan.replace.length} to replace, ${plan.create.length} to add, ${plan.delete.length} to destroy; applied`;
        });

        await tier.phase("checks", async () => {
          const after = await record(tier);
          const report: UpgradeReport = upgradeReport(before as UpgradeSnapshot, after);
          const changelog = join(options.root, "CHANGELOG.md");
          const exceptions = existsSync(changelog)
            ? changelogExceptions(readFileSync(changelog, "utf8"), checkout.version)
            : new Map<string, string>();
          const problems = [
            ...after.failed.map((r) => `release ${r} is not deployed after the upgrade`),
            ...dataAtRisk(report, exceptions),
          ];
          lines.push(...reportLines(report, exceptions));
          Object.assign(json, { report, changelogExceptions: Object.fromEntries(exceptions), problems });
          writeFileSync(reportFile, `${JSON.stringify(json, null, 2)}\n`);
          const named = [...report.objectsReplaced, ...report.objectsDeleted].filter((k) => exceptions.has(k)).length;
          if (problems.length > 0) {
            // What changed, for the failure's context (on success the command prints it at the end).
            for (const line of lines) options.log?.(`  ${line}`);
            throw new Error(problems.join("; "));
          }
          return `every release deployed; ${report.releasesUpgraded.length} releases upgraded, ${report.objectsReplaced.length} objects replaced, ${report.objectsDeleted.length} deleted; ${report.volumesKept.length} PersistentVolumeClaims kept with their UIDs, no StatefulSet or database object lost${named > 0 ? ` but the ${named} the CHANGELOG names` : ""} (report: ${reportFile})`;
        });

        await replanPhase(tier, "re-plan");
        await destroyPhase(tier, "destroy");
      },
    );
    Object.assign(json, { phases: runner.results, peakMemoryMiB });
    writeFileSync(reportFile, `${JSON.stringify(json, null, 2)}\n`);
    return { phases: runner.results, peakMemoryMiB, lines, reportFile };
  } finally {
    if (from) removeFromCheckout(options.root, from.dir);
  }
}
