/**
 * `npm run verify:cluster -- <profile>`: the platform applied to a real API server the way a user deploys it.
 *
 *  1. `npm run local -- up`: a container-free control plane shaped like the profile (scripts/local/cluster.ts);
 *     inside its network namespace, the pinned charts served as a Helm repository on 127.0.0.1 and the
 *     webhook shim (scripts/local/webhooks.ts), the tier's one place for webhooks of operators that do not run.
 *  2. The profile as a bring-your-own-cluster profile (`cluster.provider: kubeconfig`) pointed at that cluster,
 *     with `mirror.charts` set to the local repository: an override file, as a user's fork would write it.
 *  3. `cdktf deploy <profile>-cluster <profile>-platform` with TERRAFORM_BINARY_NAME=tofu and the real providers,
 *     then checks on the running cluster: no pod Pending, every Job complete, the guardrails admit a compliant
 *     object and reject violating ones with their messages.
 *  4. `tofu plan -detailed-exitcode` of both stacks: no changes.
 *  5. `cdktf destroy`, then nothing the platform created is left: no namespace, no cluster-scoped object that
 *     was not there before, except CRDs Helm keeps on purpose (installed from a chart's crds/ folder, or marked
 *     `helm.sh/resource-policy: keep`), which are listed.
 *  6. `npm run local -- down`, also on failure.
 * One summary line per phase; on failure the phase, the resource and OpenTofu's message, and a non-zero exit.
 */
import { createHash } from "node:crypto";
import { execFile, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { loadCheckedProfile } from "../../platform/check";
import { CHARTS } from "../../platform/versions";
import type { ChartVersion } from "../../platform/versions";
import { gpuClaimTemplateName } from "../../charts/workloads/training-job";
import { draDeviceClass, queuePools, singleGpuResource, teamNames, teamNamespace, usesDra } from "../../profiles/plan";
import { byText } from "../../profiles/order";
import type { Profile } from "../../profiles/schema";
import { chartArchive } from "../../verify/charts";
import type { ClusterTools } from "./config";
import { readClusterTools } from "./config";
import { down, up } from "./cluster";
import type { LocalState } from "./processes";
import { inNamespace, processesInNamespace, runInNamespace, spawnInNamespace } from "./processes";
import { runSmoke } from "../../verify/smoke";
import { KUEUE_WEBHOOK_SERVICE, kueueRunnerCommand } from "./kueue";
import { LOCAL_SERVERS_FILE } from "./webhooks";

/** The port of the chart repository inside the cluster's namespace (its own loopback: no clash with the host). */
export const CHART_REPOSITORY_PORT = 8879;

export class PhaseError extends Error {
  constructor(
    readonly phase: string,
    message: string,
  ) {
    super(`${phase}: ${message}`);
  }
}

/** The override that turns a profile into a bring-your-own-cluster profile for the local control plane. */
export function localClusterOverride(profile: Profile, kubeconfig: string, kubernetesVersion: string): unknown {
  const minor = /^v?(\d+\.\d+)\./.exec(kubernetesVersion)?.[1];
  if (!minor) throw new Error(`kubernetes version "${kubernetesVersion}" is not v<major>.<minor>.<patch>`);
  const pools = Object.fromEntries(
    Object.entries(profile.pools)
      .filter(([, pool]) => pool.gpu?.hostDevices !== undefined)
      .map(([name]) => [name, { gpu: { hostDevices: null } }]),
  );
  return {
    cluster: { provider: "kubeconfig", name: profile.cluster.name, kubeconfig, kubernetesVersion: minor },
    mirror: { charts: `http://127.0.0.1:${CHART_REPOSITORY_PORT}` },
    ...(Object.keys(pools).length > 0 && { pools }),
  };
}

/**
 * A Helm repository folder with every pinned chart (or the given ones), from the chart stand-in or each chart's own repository
 * (verify/charts.ts), indexed by `helm repo index`. Kept in the tools cache by the chart table's content.
 */
export async function chartRepository(
  root: string,
  tools: ClusterTools,
  cacheDir: string,
  charts: readonly ChartVersion[] = Object.values(CHARTS),
): Promise<string> {
  // Keyed by a digest of the charts served: any pin added, removed or changed makes a new repository.
  const key = createHash("sha256").update(JSON.stringify(charts)).digest("hex").slice(0, 16);
  const dir = join(cacheDir, "chart-repository", key);
  if (existsSync(join(dir, "index.yaml"))) return dir;
  mkdirSync(dir, { recursive: true });
  for (const chart of charts) {
    copyFileSync(
      chartArchive(root, chart.repository, chart.chart, chart.version, charts),
      join(dir, `${chart.chart}-${chart.version}.tgz`),
    );
  }
  await promisify(execFile)(tools.helm, ["repo", "index", dir]);
  return dir;
}

/**
 * `tofu`, except that `providers lock` (which cdktf runs when a stack's lock file lacks a provider) reads the
 * local mirror of real providers instead of the registry, which this namespace cannot reach. The only
 * difference from a user's run; a user with network needs none of it.
 */
function tofuWrapper(dir: string, tofu: string, mirror: string): string {
  const file = join(dir, "bin", "tofu");
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      'if [ "$1" = providers ] && [ "$2" = lock ]; then',
      `  shift 2; exec ${tofu} providers lock -fs-mirror=${mirror} "$@"`,
      "fi",
      `exec ${tofu} "$@"`,
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}

/** The last `Error:` block of OpenTofu's output, without colours and box drawing. */
export function tofuError(output: string): string {
  // eslint-disable-next-line no-control-regex -- ANSI colour codes in OpenTofu's output
  const plain = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/[│╷╵]/g, "");
  const blocks = plain.split(/Error: /).slice(1);
  const lines = (block: string) =>
    block
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !/^\d+ Stacks? /.test(l))
      .slice(0, 12)
      .join(" ");
  return blocks.length > 0
    ? blocks.map((b) => `Error: ${lines(b)}`).join("\n")
    : plain.trim().split("\n").slice(-5).join(" ");
}

export interface K8sList {
  items: Array<{
    kind?: string;
    metadata: {
      name: string;
      namespace?: string;
      uid?: string;
      annotations?: Record<string, string>;
      labels?: Record<string, string>;
    };
    spec?: Record<string, unknown>;
    status?: Record<string, unknown>;
  }>;
}

/** Cluster-scoped kinds whose objects the platform may create. */
export const CLUSTER_KINDS = [
  "namespaces",
  "customresourcedefinitions",
  "clusterroles",
  "clusterrolebindings",
  "validatingwebhookconfigurations",
  "mutatingwebhookconfigurations",
  "validatingadmissionpolicies",
  "validatingadmissionpolicybindings",
  "priorityclasses",
  "storageclasses",
  "runtimeclasses",
  "apiservices",
  // The DRA driver's chart creates DeviceClasses; a destroy must remove them too.
  "deviceclasses",
];

export interface VerifyOptions {
  readonly root: string;
  readonly profile: string;
  readonly log?: (line: string) => void;
  /** Keep the cluster up afterwards (for debugging). @default false */
  readonly keep?: boolean;
  /** Apply, check, re-plan and destroy this many times on the same cluster. @default 1 */
  readonly cycles?: number;
  /** Make the first apply fail (Kueue not yet started), then prove a plain re-apply converges. @default false */
  readonly forceFailure?: boolean;
}

export interface PhaseResult {
  readonly phase: string;
  readonly seconds: number;
  readonly detail: string;
}

/** The resident memory of every process in a network namespace, in MiB (the whole tier: control plane, Kueue, OpenTofu, providers, helm). */
export function namespaceRssMiB(namespace: string): number {
  let kib = 0;
  for (const pid of processesInNamespace(namespace)) {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      kib += match ? Number(match[1]) : 0;
    } catch {
      // The process ended meanwhile.
    }
  }
  return Math.round(kib / 1024);
}

export interface VerifyReport {
  readonly phases: PhaseResult[];
  /** The largest sum of RSS over the tier's processes, sampled every second. */
  readonly peakMemoryMiB: number;
}

/** Runs phases: each one's label, time and one-line detail; a failure carries the phase's label. */
export class PhaseRunner {
  readonly results: PhaseResult[] = [];
  constructor(private readonly log: (line: string) => void = () => undefined) {}

  async phase(label: string, run: () => Promise<string>): Promise<void> {
    const started = Date.now();
    let detail: string;
    try {
      detail = await run();
    } catch (error) {
      throw error instanceof PhaseError
        ? new PhaseError(label, error.message.replace(/^[^:]+: /, ""))
        : new PhaseError(label, (error as Error).message);
    }
    const result = { phase: label, seconds: (Date.now() - started) / 1000, detail };
    this.results.push(result);
    this.log(`${label}: ${detail} (${result.seconds.toFixed(1)} s)`);
  }
}

export interface TierOptions {
  readonly root: string;
  readonly profile: string;
  /** The cluster's name, and the folder of its logs under `.local/logs/`. */
  readonly name: string;
  readonly runner: PhaseRunner;
  /** Keep the cluster up afterwards (for debugging). @default false */
  readonly keep?: boolean;
  /** Announce Kueue to the webhook shim but do not start it yet (verify:cluster's forced failure). @default false */
  readonly holdKueue?: boolean;
  /** The chart versions the repository serves. @default every chart of the version table */
  readonly charts?: readonly ChartVersion[];
}

/** The running tier a verification works on: the cluster, the environment of a user's deploy, and its commands. */
export interface LocalTier {
  readonly cluster: LocalState;
  readonly tools: ClusterTools;
  readonly base: Profile;
  /** `<profile>-cluster`, `<profile>-platform`: the deploy order. */
  readonly stacks: readonly string[];
  /** cdktf's output folder; the stacks' local state is beside it (stacks/clusters/state.ts). */
  readonly outdir: string;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The namespaces and cluster-scoped objects there before any deploy, as `Kind/name`. */
  readonly before: ReadonlySet<string>;
  readonly phase: PhaseRunner["phase"];
  /**
   * `cdktf <verb> <stacks> --auto-approve --output <outdir>` from a checkout (default: the tree under test), its
   * output in `<logDir>/<log>.log`; a failure carries OpenTofu's error.
   */
  cdktf(
    verb: "deploy" | "destroy" | "diff",
    order: readonly string[],
    from?: { dir: string; log: string },
  ): Promise<void>;
  inCluster(command: string[], timeoutMs: number, cwd?: string, input?: string): Promise<string>;
  kubectl(args: string[], input?: string): Promise<string>;
  /** Every object of CLUSTER_KINDS. */
  snapshot(): Promise<K8sList["items"]>;
  startKueue(): void;
  /** Kueue starts afresh for each cycle: a destroy removes its CRDs, which a running manager does not get back. */
  restartKueue(): void;
}

/** The tools cache (scripts/tools.sh TOOLS): the folder above the tools' bin folder. */
function toolsCacheDir(tools: ClusterTools): string {
  return join(tools.tofu, "..", "..");
}

/** The mirror of the providers built for real (scripts/cluster-tools.sh REAL_MIRROR) in the tools cache. */
export function realProviderMirror(tools: ClusterTools): string {
  return join(toolsCacheDir(tools), "providers-real");
}

/**
 * The control plane phase, the environment of a user's deploy pointed at it, then `body`; the cluster goes
 * down afterwards, also on failure. The tier's memory is sampled every second throughout.
 */
export async function withLocalTier<T>(
  options: TierOptions,
  body: (tier: LocalTier) => Promise<T>,
): Promise<{ result: T; peakMemoryMiB: number }> {
  const tools = readClusterTools(options.root);
  if (!tools.tofurcReal)
    throw new Error("the real providers are not built: run 'npm run tools' without CNAI_SKIP_REAL_PROVIDERS");
  const base = loadCheckedProfile(options.profile);
  const { name, runner } = options;
  const phase = runner.phase.bind(runner);

  let state: LocalState | undefined;
  let kueue: { pid: number } | undefined;
  const announceKueue = (cluster: LocalState) =>
    writeFileSync(join(cluster.stateDir, LOCAL_SERVERS_FILE), JSON.stringify([{ service: KUEUE_WEBHOOK_SERVICE }]));
  const startKueue = (cluster: LocalState) => {
    kueue = spawnInNamespace(cluster, "kueue", kueueRunnerCommand(options.root, cluster.stateDir), {
      log: join(logDir, "kueue.log"),
      cwd: options.root,
    });
  };
  const stopKueue = () => {
    if (kueue) process.kill(-kueue.pid, "SIGTERM");
    kueue = undefined;
  };
  // Logs outlive the cluster's folder, which `down` removes.
  const logDir = join(options.root, ".local", "logs", name);
  mkdirSync(logDir, { recursive: true });
  const cacheDir = toolsCacheDir(tools);
  let peakMemoryMiB = 0;
  const sampler = setInterval(() => {
    if (state?.namespace) peakMemoryMiB = Math.max(peakMemoryMiB, namespaceRssMiB(state.namespace));
  }, 1000);
  try {
    await phase("control plane", async () => {
      const repository = await chartRepository(options.root, tools, cacheDir, options.charts);
      const started = await up({ root: options.root, profile: options.profile, name });
      state = started.state;
      spawnInNamespace(
        state,
        "chart-repository",
        [
          "python3",
          "-m",
          "http.server",
          String(CHART_REPOSITORY_PORT),
          "--bind",
          "127.0.0.1",
          "--directory",
          repository,
        ],
        { log: join(logDir, "chart-repository.log") },
      );
      // Kueue runs for real: announced to the shim first, so its webhooks wait for it instead of being ignored.
      announceKueue(state);
      if (!options.holdKueue) startKueue(state);
      spawnInNamespace(
        state,
        "webhook-shim",
        [process.execPath, "--import", "tsx", join(options.root, "scripts", "local.ts"), "webhooks", state.stateDir],
        { log: join(logDir, "webhooks.log"), cwd: options.root },
      );
      const dra = started.draDevices > 0 ? `, ${started.draDevices} DRA devices in ResourceSlices` : "";
      return `${started.nodes.length} nodes${dra}, API ready in ${started.apiReadySeconds.toFixed(1)} s`;
    });
    const cluster = state as LocalState;
    const work = join(cluster.stateDir, "work");
    mkdirSync(work, { recursive: true });
    const overrideFile = join(work, "override.yaml");
    writeFileSync(overrideFile, stringify(localClusterOverride(base, cluster.kubeconfig, tools.kubernetesVersion)));
    const outdir = join(work, "cdktf.out");
    const tofu = tofuWrapper(work, tools.tofu, realProviderMirror(tools));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CHECKPOINT_DISABLE: "1",
      TERRAFORM_BINARY_NAME: tofu,
      TF_CLI_CONFIG_FILE: tools.tofurcReal,
      CNAI_PROFILE: options.profile,
      CNAI_OVERRIDES: overrideFile,
      KUBECONFIG: cluster.kubeconfig,
      PATH: [join(work, "bin"), join(tools.binaries.kubectl, ".."), process.env.PATH].join(":"),
    };
    const inCluster = (command: string[], timeoutMs: number, cwd?: string, input?: string) =>
      runInNamespace(cluster, cwd ? ["sh", "-c", `cd "$0" && exec "$@"`, cwd, ...command] : command, {
        env,
        timeoutMs,
        input,
      });
    const kubectl = (args: string[], input?: string) =>
      inCluster([tools.binaries.kubectl, ...args], 60_000, undefined, input);
    const snapshot = async () => {
      const list = JSON.parse(await kubectl(["get", CLUSTER_KINDS.join(","), "-o", "json"])) as K8sList;
      return list.items;
    };
    const cdktf: LocalTier["cdktf"] = async (verb, order, from) => {
      const dir = from?.dir ?? options.root;
      const file = join(logDir, `${from?.log ?? verb}.log`);
      try {
        await inCluster(
          [
            "sh",
            "-c",
            `exec "$@" > "${file}" 2>&1`,
            "cdktf",
            join(dir, "node_modules", ".bin", "cdktf"),
            verb,
            ...order,
            ...(verb === "diff" ? [] : ["--auto-approve"]),
            "--output",
            outdir,
          ],
          30 * 60_000,
          dir,
        );
      } catch {
        throw new PhaseError(
          verb === "destroy" ? "destroy" : "apply",
          `${tofuError(readFileSync(file, "utf8"))} (log: ${file})`,
        );
      }
    };
    const tier: LocalTier = {
      cluster,
      tools,
      base,
      stacks: [`${options.profile}-cluster`, `${options.profile}-platform`],
      outdir,
      logDir,
      env,
      before: new Set((await snapshot()).map((o) => `${o.kind}/${o.metadata.name}`)),
      phase,
      cdktf,
      inCluster,
      kubectl,
      snapshot,
      startKueue: () => startKueue(cluster),
      restartKueue: () => {
        stopKueue();
        announceKueue(cluster);
        startKueue(cluster);
      },
    };
    return { result: await body(tier), peakMemoryMiB };
  } finally {
    clearInterval(sampler);
    if (state && !options.keep) await down(options.root, name);
  }
}

/** `tofu plan -detailed-exitcode` of both stacks: no changes (a perpetual diff is a defect). */
export async function replanPhase(tier: LocalTier, label: string): Promise<void> {
  await tier.phase(label, async () => {
    const changes: string[] = [];
    for (const stack of tier.stacks) {
      try {
        await tier.inCluster(
          [tier.tools.tofu, "plan", "-detailed-exitcode", "-input=false", "-no-color", "-lock=false"],
          10 * 60_000,
          join(tier.outdir, "stacks", stack),
        );
      } catch (error) {
        const text = (error as Error).message;
        const planned = [...text.matchAll(/# (\S+) will be|# (\S+) must be/g)].map((m) => m[1] ?? m[2]);
        changes.push(`${stack}: ${planned.length > 0 ? planned.join(", ") : tofuError(text)}`);
      }
    }
    if (changes.length > 0)
      throw new Error(`a re-plan is not clean (a perpetual diff is a defect): ${changes.join("; ")}`);
    return "no changes in either stack";
  });
}

/** `cdktf destroy`, then nothing left that was not there before but what Helm keeps on purpose. */
export async function destroyPhase(tier: LocalTier, label: string): Promise<void> {
  await tier.phase(label, async () => {
    await tier.cdktf("destroy", [...tier.stacks].reverse());
    const after = await tier.snapshot();
    const terminating = after.filter((o) => o.kind === "Namespace" && o.status?.phase === "Terminating");
    const left = after.filter((o) => !tier.before.has(`${o.kind}/${o.metadata.name}`));
    const kept = left.filter((o) => o.kind === "CustomResourceDefinition" && keptByHelm(o.metadata.annotations));
    const tolerated = left.filter((o) => !kept.includes(o) && toleratedLeftover(o));
    const unexpected = left.filter((o) => !kept.includes(o) && !tolerated.includes(o));
    if (terminating.length > 0 || unexpected.length > 0) {
      throw new Error(
        `left behind: ${[...terminating, ...unexpected].map((o) => `${o.kind}/${o.metadata.name}${o.status?.phase === "Terminating" ? " (Terminating)" : ""}`).join(", ")}`,
      );
    }
    const roles = tolerated.filter((o) => o.kind === "ClusterRole").map((o) => o.metadata.name);
    return (
      `nothing left but ${kept.length} CRDs Helm keeps on purpose (and the API server's ${tolerated.length - roles.length} APIServices for their groups)` +
      (roles.length > 0
        ? `, and ${roles.join(", ")}, re-created by the aggregation controller (the next install adopts them)`
        : "")
    );
  });
}

export async function verifyCluster(options: VerifyOptions): Promise<VerifyReport> {
  const runner = new PhaseRunner(options.log);
  const { peakMemoryMiB } = await withLocalTier(
    {
      root: options.root,
      profile: options.profile,
      name: `verify-${options.profile}`.slice(0, 63),
      runner,
      keep: options.keep,
      holdKueue: options.forceFailure,
    },
    async (tier) => {
      const { base, cluster, tools, stacks, env, kubectl, phase } = tier;
      if (options.forceFailure) {
        await phase("forced failure", async () => {
          // Kueue is announced but not started: the kueue-queues release meets its webhooks with nothing behind
          // them and fails, as a release whose gate times out would. A plain re-apply must then converge.
          let failed = "";
          try {
            await tier.cdktf("deploy", stacks);
          } catch (error) {
            failed = (error as Error).message.split("\n")[0];
          }
          if (!failed) throw new Error("the first apply was meant to fail (Kueue not started) and did not");
          const left = JSON.parse(
            await tier.inCluster(
              [tools.helm, "--kubeconfig", cluster.kubeconfig, "list", "-A", "--failed", "-o", "json"],
              60_000,
            ),
          ) as Array<{ name: string; namespace: string }>;
          tier.startKueue();
          return `the first apply failed as forced (${failed.slice(0, 160)}…); failed releases left in the cluster: ${left.map((r) => r.name).join(", ") || "none"}`;
        });
      }
      const cycles = options.cycles ?? 1;
      for (let i = 1; i <= cycles; i++) {
        const cycle = cycles > 1 ? ` ${i}/${cycles}` : "";
        if (i > 1) tier.restartKueue();
        await phase(`apply${cycle}`, async () => {
          await tier.cdktf("deploy", stacks);
          const resources = await tier.inCluster(
            [tools.tofu, "state", "list"],
            60_000,
            join(tier.outdir, "stacks", stacks[1]),
          );
          return `${resources.split("\n").filter(Boolean).length} resources in ${stacks[1]}`;
        });

        await phase(`running platform${cycle}`, async () => {
          const pods = (JSON.parse(await kubectl(["get", "pods", "-A", "-o", "json"])) as K8sList).items;
          const pending = pods.filter((p) => p.status?.phase === "Pending" || p.status?.phase === "Failed");
          if (pending.length > 0) {
            throw new Error(
              `pods not running: ${pending.map((p) => `${p.metadata.namespace}/${p.metadata.name} (${JSON.stringify((p.status?.conditions as unknown[] | undefined)?.slice(-1))})`).join(", ")}`,
            );
          }
          const jobs = (JSON.parse(await kubectl(["get", "jobs", "-A", "-o", "json"])) as K8sList).items;
          const unfinished = jobs.filter((j) => !((j.status?.succeeded as number | undefined) ?? 0));
          const events = await kubectl([
            "get",
            "events",
            "-A",
            "--field-selector",
            "reason=FailedCreate",
            "-o",
            "json",
          ]);
          const refused = (JSON.parse(events) as { items: Array<{ message?: string }> }).items.filter((e) =>
            /violates PodSecurity/.test(e.message ?? ""),
          );
          if (refused.length > 0)
            throw new Error(`Pod Security refused pods: ${refused.map((e) => e.message).join("; ")}`);
          const guardrails = await checkGuardrails(base, kubectl);
          // The users' CI smoke check (verify/smoke.ts), against this cluster: queues exist and Kueue admits a Job.
          const smoke = runSmoke(
            base,
            (argv, stdin) => {
              const [file, ...args] = inNamespace(cluster, [tools.binaries.kubectl, ...argv.slice(1)]);
              const result = spawnSync(file, args, { env, input: stdin, encoding: "utf8" });
              return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
            },
            {
              suffix: `${Date.now()}`,
              timeoutSeconds: 60,
              pollMilliseconds: 500,
              sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
              now: () => Date.now(),
            },
          );
          if (smoke.length > 0) throw new Error(`the smoke check failed: ${smoke.join("; ")}`);
          const dra = await checkDraSamples(base, jobs, kubectl);
          const trainJobs = await checkTrainJobSamples(base, kubectl);
          return `${pods.length} pods scheduled, ${jobs.length - unfinished.length}/${jobs.length} Jobs complete, ${guardrails}, Kueue admitted the smoke Job of every team${dra ? `, ${dra}` : ""}${trainJobs ? `, ${trainJobs}` : ""}`;
        });

        await replanPhase(tier, `re-plan${cycle}`);
        await destroyPhase(tier, `destroy${cycle}`);
      }
    },
  );
  return { phases: runner.results, peakMemoryMiB };
}

/**
 * What a destroy may leave that the platform did not ask for: APIServices the API server manages itself for
 * the groups of the kept CRDs, and Kueue's two aggregated ClusterRoles, which kube-controller-manager's
 * aggregation controller can re-create while Helm deletes them (platform/components/kueue.ts
 * `KUEUE_UNINSTALL`: the next install adopts them). README, "Troubleshooting", gives the command that
 * removes them.
 */
export function toleratedLeftover(o: {
  kind?: string;
  metadata: { name: string; labels?: Record<string, string> };
}): boolean {
  if (o.kind === "APIService") return o.metadata.labels?.["kube-aggregator.kubernetes.io/automanaged"] !== undefined;
  return o.kind === "ClusterRole" && ["kueue-batch-admin-role", "kueue-batch-user-role"].includes(o.metadata.name);
}

/** A CRD Helm leaves on uninstall: installed from a chart's crds/ folder (no release annotation), or marked keep. */
export function keptByHelm(annotations: Record<string, string> | undefined): boolean {
  return annotations?.["meta.helm.sh/release-name"] === undefined || annotations["helm.sh/resource-policy"] === "keep";
}

/** Server-side dry runs in the first team namespace: one compliant Service, one LoadBalancer, one `latest` Pod. */
async function checkGuardrails(
  profile: Profile,
  kubectl: (args: string[], input?: string) => Promise<string>,
): Promise<string> {
  const team = teamNames(profile)[0];
  if (team === undefined) return "no team namespace to check guardrails in";
  const namespace = teamNamespace(team, profile.teams[team]);
  const create = async (object: Record<string, unknown>): Promise<string> => {
    try {
      await kubectl(["create", "--dry-run=server", "-n", namespace, "-f", "-"], JSON.stringify(object));
      return "admitted";
    } catch (error) {
      return (error as Error).message;
    }
  };
  const service = (name: string, type: string) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { type, selector: { app: name }, ports: [{ port: 80 }] },
  });
  const compliant = await create(service("guardrail-probe", "ClusterIP"));
  if (compliant !== "admitted") throw new Error(`guardrails refused a compliant ClusterIP Service: ${compliant}`);
  const exposed = await create(service("guardrail-probe-lb", "LoadBalancer"));
  if (!/cnai-no-loadbalancer/.test(exposed) || !/LoadBalancer Services expose/.test(exposed)) {
    throw new Error(`guardrail cnai-no-loadbalancer did not refuse a LoadBalancer Service: ${exposed}`);
  }
  return `guardrails admit a ClusterIP Service and refuse a LoadBalancer in ${namespace}`;
}

/** What the tier expects of one sample Job that claims DRA devices. */
export interface DraSampleExpectation {
  readonly sample: string;
  readonly namespace: string;
  /** The Job and its ResourceClaimTemplate (charts/workloads/training-job.ts). */
  readonly job: string;
  readonly claimTemplate: string;
  /** The pool's ResourceFlavor (named after the pool, platform/components/kueue.ts). */
  readonly flavor: string;
  /** Kueue's quota resource for the DeviceClass (`deviceClassMappings`), and how many devices the Job claims. */
  readonly resource: string;
  readonly count: number;
}

/** A sample that requests GPUs, with its pool's one GPU resource (Kueue's quota name) and its team's namespace. */
interface GpuSample {
  readonly name: string;
  readonly sample: Profile["samples"][string];
  readonly pool: ReturnType<typeof queuePools>[string];
  readonly resource: string;
  readonly namespace: string;
}

/** The profile's samples that request GPUs from a pool with one GPU resource, by name. */
function gpuSamples(profile: Profile): GpuSample[] {
  const pools = queuePools(profile);
  return Object.entries(profile.samples)
    .sort(([a], [b]) => byText(a, b))
    .flatMap(([name, sample]) => {
      const pool = pools[sample.pool];
      const resource = pool ? singleGpuResource(pool) : undefined;
      if (sample.gpus === 0 || !pool || !resource) return [];
      return [{ name, sample, pool, resource, namespace: teamNamespace(sample.team, profile.teams[sample.team]) }];
    });
}

/** The samples on the profile's DRA pools that claim GPUs, by name; empty for a profile without DRA pools. */
export function draSampleExpectations(profile: Profile): DraSampleExpectation[] {
  return (
    gpuSamples(profile)
      // Only training Jobs claim DRA devices (profiles/rules.ts refuses other kinds on a DRA pool).
      .filter((g) => g.sample.kind === "training-job" && usesDra(g.pool.gpu) && draDeviceClass(g.resource))
      .map((g) => ({
        sample: g.name,
        namespace: g.namespace,
        job: g.name,
        claimTemplate: gpuClaimTemplateName(g.name),
        flavor: g.sample.pool,
        resource: g.resource,
        count: g.sample.gpus,
      }))
  );
}

interface WorkloadItem {
  metadata: { name: string; namespace?: string; ownerReferences?: Array<{ kind: string; name?: string; uid: string }> };
  status?: {
    admission?: {
      clusterQueue?: string;
      podSetAssignments?: Array<{ flavors?: Record<string, string>; resourceUsage?: Record<string, string> }>;
    };
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

/** What Kueue's admission of a sample's Workload must show: the pool's flavor, and the GPUs all its pods request. */
interface AdmissionExpectation {
  readonly sample: string;
  readonly namespace: string;
  readonly flavor: string;
  readonly resource: string;
  readonly count: number;
}

/** Why a Workload is not Admitted with the expected resource and count on the expected flavor; undefined when it is. */
function admissionProblem(e: AdmissionExpectation, workload: WorkloadItem): string | undefined {
  const admitted = workload.status?.conditions?.some((c) => c.type === "Admitted" && c.status === "True");
  const assignment = workload.status?.admission?.podSetAssignments?.find((p) => p.flavors?.[e.resource] !== undefined);
  const flavor = assignment?.flavors?.[e.resource];
  const usage = assignment?.resourceUsage?.[e.resource];
  if (admitted && flavor === e.flavor && usage === String(e.count)) return undefined;
  const conditions = (workload.status?.conditions ?? []).map(
    (c) => `${c.type}=${c.status} (${c.reason}: ${c.message})`,
  );
  return (
    `sample ${e.sample}: Workload ${e.namespace}/${workload.metadata.name} should be Admitted with ${e.resource}: ${e.count} on flavor ${e.flavor}, ` +
    `got ${admitted ? "Admitted" : "not Admitted"}, ${e.resource} ${usage === undefined ? "not in its admission" : `${usage} on flavor ${flavor}`}` +
    (conditions.length > 0 ? `; conditions: ${conditions.join(", ")}` : "")
  );
}

/** A TrainJob sample and what Kueue must admit for it: all its nodes' GPUs at once, on its pool's flavor. */
export interface TrainJobSampleExpectation extends AdmissionExpectation {
  readonly trainJob: string;
}

/** The profile's TrainJob samples that request GPUs (profiles/rules.ts keeps them off DRA pools), by name. */
export function trainJobSampleExpectations(profile: Profile): TrainJobSampleExpectation[] {
  return gpuSamples(profile).flatMap((g) =>
    g.sample.kind !== "train-job"
      ? []
      : [
          {
            sample: g.name,
            namespace: g.namespace,
            trainJob: g.name,
            flavor: g.sample.pool,
            resource: g.resource,
            count: g.sample.gpus * g.sample.replicas,
          },
        ],
  );
}

/** One line per TrainJob sample Kueue has no Workload for, or did not admit as expected; empty when all were. */
export function trainJobAdmissionProblems(
  expected: readonly TrainJobSampleExpectation[],
  workloads: readonly WorkloadItem[],
): string[] {
  return expected.flatMap((e) => {
    const workload = workloads.find(
      (w) =>
        w.metadata.namespace === e.namespace &&
        w.metadata.ownerReferences?.some((o) => o.kind === "TrainJob" && o.name === e.trainJob),
    );
    if (!workload) {
      return [
        `sample ${e.sample}: TrainJob ${e.namespace}/${e.trainJob} has no Kueue Workload (is its trainer.kubeflow.org/trainjob integration enabled, and the ClusterTrainingRuntime there?)`,
      ];
    }
    const problem = admissionProblem(e, workload);
    return problem ? [problem] : [];
  });
}

/**
 * For a profile with TrainJob samples: Kueue admitted each one whole, from the pod sets it built from the platform's
 * ClusterTrainingRuntime. The Trainer and JobSet controllers do not run on this tier, so the admitted TrainJob gets
 * no JobSet and no pod here (`npm run simulate` runs them).
 */
async function checkTrainJobSamples(
  profile: Profile,
  kubectl: (args: string[], input?: string) => Promise<string>,
): Promise<string> {
  const expected = trainJobSampleExpectations(profile);
  if (expected.length === 0) return "";
  const deadline = Date.now() + 60_000;
  for (;;) {
    const workloads = (
      JSON.parse(await kubectl(["get", "workloads.kueue.x-k8s.io", "-A", "-o", "json"])) as { items: WorkloadItem[] }
    ).items;
    const problems = trainJobAdmissionProblems(expected, workloads);
    if (problems.length === 0) break;
    if (Date.now() > deadline) throw new Error(`TrainJob samples: ${problems.join("; ")}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return `Kueue admitted ${expected.map((e) => `TrainJob ${e.trainJob} (${e.resource}: ${e.count} on ${e.flavor})`).join(" and ")} (the Trainer does not run on this tier: no pods)`;
}

/**
 * One line per sample whose ResourceClaimTemplate the API server does not hold, or whose Job's Workload Kueue did not
 * admit on the pool's flavor with the DRA resource and count; empty when every expectation holds.
 */
export function draAdmissionProblems(
  expected: readonly DraSampleExpectation[],
  cluster: {
    readonly templates: readonly { metadata: { name: string; namespace?: string } }[];
    readonly jobs: readonly {
      metadata: { name: string; namespace?: string; uid?: string };
      status?: { succeeded?: number };
    }[];
    readonly workloads: readonly WorkloadItem[];
  },
): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    const at = (o: { metadata: { name: string; namespace?: string } }, name: string) =>
      o.metadata.namespace === e.namespace && o.metadata.name === name;
    if (!cluster.templates.some((t) => at(t, e.claimTemplate))) {
      problems.push(
        `sample ${e.sample}: no resource.k8s.io/v1 ResourceClaimTemplate ${e.namespace}/${e.claimTemplate} (the samples release renders it beside Job ${e.job})`,
      );
      continue;
    }
    const job = cluster.jobs.find((j) => at(j, e.job));
    if (!job) {
      problems.push(`sample ${e.sample}: no Job ${e.namespace}/${e.job}`);
      continue;
    }
    const workload = cluster.workloads.find(
      (w) =>
        w.metadata.namespace === e.namespace &&
        w.metadata.ownerReferences?.some((o) => o.kind === "Job" && o.uid === job.metadata.uid),
    );
    if (!workload) {
      problems.push(`sample ${e.sample}: Job ${e.namespace}/${e.job} has no Kueue Workload (is Kueue running?)`);
      continue;
    }
    const admission = admissionProblem(e, workload);
    if (admission) {
      problems.push(admission);
      continue;
    }
    // kwok runs only bound pods, and the scheduler binds a claiming pod only once it allocated the devices.
    if (!((job.status?.succeeded ?? 0) > 0)) {
      problems.push(
        `sample ${e.sample}: Job ${e.namespace}/${e.job} was admitted but no pod succeeded: is a device of its DeviceClass free in pool ${e.flavor}'s ResourceSlices (kubectl get resourceslices; kubectl describe pod)?`,
      );
    }
  }
  return problems;
}

/**
 * For a profile with DRA pools: the API server accepted each GPU sample's ResourceClaimTemplate, and Kueue admitted
 * its Job against the DRA quota on the pool's flavor. The samples release waits for its Jobs, so by now they ran.
 */
async function checkDraSamples(
  profile: Profile,
  jobs: K8sList["items"],
  kubectl: (args: string[], input?: string) => Promise<string>,
): Promise<string> {
  const expected = draSampleExpectations(profile);
  if (expected.length === 0) return "";
  const templates = (
    JSON.parse(await kubectl(["get", "resourceclaimtemplates.resource.k8s.io", "-A", "-o", "json"])) as K8sList
  ).items;
  const workloads = (
    JSON.parse(await kubectl(["get", "workloads.kueue.x-k8s.io", "-A", "-o", "json"])) as { items: WorkloadItem[] }
  ).items;
  const problems = draAdmissionProblems(expected, { templates, jobs, workloads });
  if (problems.length > 0) throw new Error(`DRA samples: ${problems.join("; ")}`);
  return `Kueue admitted ${expected.map((e) => `${e.job} (${e.resource}: ${e.count} on ${e.flavor})`).join(" and ")} from their ResourceClaimTemplates, and the scheduler allocated their claims (kwok fakes the pods' run)`;
}

/** Reads a phase list back for the summary (used by the command). */
export function summary(results: readonly PhaseResult[]): string {
  return results.map((r) => `${r.phase.padEnd(17)} ${r.detail} (${r.seconds.toFixed(1)} s)`).join("\n");
}
