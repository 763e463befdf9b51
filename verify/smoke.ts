/**
 * The smoke check of a deployed profile (`npm run smoke -- <profile> [--context <kube-context>]`): what it checks is
 * derived from the profile by the code that creates the queues, so a renamed team, namespace or queue cannot make it
 * check a name that does not exist.
 *  1. Existence: every team's ClusterQueue and LocalQueue (the objects of the kueue-queues release, named by
 *     `kueueQueuesProps`, platform/components/kueue.ts).
 *  2. Behaviour: in every team namespace, a small batch Job that names the team's LocalQueue is created suspended and
 *     must be admitted by Kueue (the Job un-suspended, or its Workload's `Admitted` condition true) within the timeout.
 *     The Job is the golden path's queued Job (charts/workloads/placement.ts `queuedJobManifest`), so it carries what
 *     the team namespaces enforce: the queue label (the `cnai-queue-label` guardrail), a pinned image from the version
 *     table (`cnai-images`), and Pod Security "restricted". Every Job is deleted afterwards, admitted or not.
 * Everything here is pure or takes its kubectl runner as an argument; scripts/smoke.ts runs the real kubectl.
 */
import { KUEUE_API_VERSION } from "../charts/kueue-queues";
import type { Placement } from "../charts/workloads/placement";
import { containerResources, DEFAULT_JOB_RUN_AS_USER, queuedJobManifest } from "../charts/workloads/placement";
import { lifecycleIn } from "../platform/component";
import { kueue, kueueQueuesProps } from "../platform/components/kueue";
import { imageRef } from "../platform/versions";
import type { Profile } from "../profiles/schema";

/** One team's queues, as the kueue-queues release creates them. */
export interface SmokeTarget {
  readonly team: string;
  readonly clusterQueue: string;
  readonly namespace: string;
  readonly localQueue: string;
  /** The team's default WorkloadPriorityClass, which the sample Job names. */
  readonly priorityClass: string;
}

/** Every team's ClusterQueue and LocalQueue of a profile; throws when the profile does not install Kueue's queues. */
export function smokeTargets(profile: Profile): SmokeTarget[] {
  if (lifecycleIn(profile, kueue) !== "managed") {
    throw new Error(
      `profile "${profile.name}" does not manage Kueue (components.kueue.lifecycle is ${lifecycleIn(profile, kueue)}), so it creates no queues to check`,
    );
  }
  const teams = kueueQueuesProps(profile).teams;
  if (teams.length === 0) throw new Error(`profile "${profile.name}" has no teams, so it creates no queues to check`);
  return teams.map((team) => ({
    team: team.clusterQueue,
    clusterQueue: team.clusterQueue,
    namespace: team.namespace,
    localQueue: team.localQueue,
    priorityClass: profile.teams[team.clusterQueue].defaultPriority,
  }));
}

/** What the sample Job asks for: far below any team's quota. */
export const SMOKE_RESOURCES = { cpu: "100m", memory: "64Mi" } as const;
/** The sample Job's names start with this. */
export const SMOKE_JOB_PREFIX = "cnai-smoke";

/** The sample Job's name for a team; `suffix` keeps runs apart (a DNS label: the whole name stays within 63 characters). */
export function smokeJobName(suffix: string): string {
  const name = `${SMOKE_JOB_PREFIX}-${suffix}`;
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name)) {
    throw new Error(`smoke Job name "${name}" is not a DNS label; pass a short lowercase suffix`);
  }
  return name;
}

/**
 * The sample Job of a team: the golden path's queued Job with the kubectl image the gates already pull (it prints its
 * version and exits, and needs neither network nor API access), created with `suspend: true` as Kueue's own sample
 * Job is, so nothing runs unless Kueue admits it (the golden path leaves `suspend` to Kueue's webhook because Helm
 * would re-suspend a running Job on upgrade; this Job is created once with kubectl).
 */
export function smokeJob(profile: Profile, target: SmokeTarget, name: string): Record<string, unknown> {
  const placement: Placement = {
    namespace: target.namespace,
    localQueue: target.localQueue,
    priorityClass: target.priorityClass,
    // No pool: Kueue writes the admitted flavor's node labels and tolerations into the pod template.
    nodeSelector: {},
    tolerations: [],
  };
  const manifest = queuedJobManifest({
    name,
    placement,
    backoffLimit: 0,
    runAsUser: DEFAULT_JOB_RUN_AS_USER,
    activeDeadlineSeconds: 300,
    // A safety net: the check deletes the Job itself.
    ttlSecondsAfterFinished: 600,
    container: {
      name: "smoke",
      image: imageRef("kubectl", profile.mirror.images),
      args: ["version", "--client"],
      resources: containerResources(SMOKE_RESOURCES),
    },
  });
  const job = manifest as unknown as { spec: Record<string, unknown> } & Record<string, unknown>;
  return { ...job, spec: { suspend: true, ...job.spec } };
}

/** A kubectl command line against the given context (kubectl's current context when none is given). */
export function kubectl(context: string | undefined, ...args: string[]): string[] {
  return ["kubectl", ...(context ? ["--context", context] : []), ...args];
}

/** The commands of the existence checks, each with what it proves. */
export function existenceChecks(
  targets: readonly SmokeTarget[],
  context?: string,
): Array<{ what: string; argv: string[] }> {
  return targets.flatMap((t) => [
    {
      what: `ClusterQueue "${t.clusterQueue}" (team ${t.team})`,
      argv: kubectl(context, "get", "clusterqueues.kueue.x-k8s.io", t.clusterQueue, "-o", "name"),
    },
    {
      what: `LocalQueue "${t.localQueue}" in namespace "${t.namespace}" (team ${t.team})`,
      argv: kubectl(context, "get", "localqueues.kueue.x-k8s.io", "-n", t.namespace, t.localQueue, "-o", "name"),
    },
  ]);
}

/** Creates an object read from stdin and prints it as JSON (for its uid). */
export function createCommand(context?: string): string[] {
  return kubectl(context, "create", "-f", "-", "-o", "json");
}

export function getJobCommand(namespace: string, name: string, context?: string): string[] {
  return kubectl(context, "get", "jobs.batch", "-n", namespace, name, "-o", "json");
}

export function listWorkloadsCommand(namespace: string, context?: string): string[] {
  return kubectl(context, "get", "workloads.kueue.x-k8s.io", "-n", namespace, "-o", "json");
}

export function deleteJobCommand(namespace: string, name: string, context?: string): string[] {
  return kubectl(
    context,
    "delete",
    "jobs.batch",
    "-n",
    namespace,
    name,
    "--ignore-not-found",
    "--cascade=background",
    "--wait=true",
    "--timeout=60s",
  );
}

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}
interface JobJson {
  readonly metadata?: { readonly uid?: string };
  readonly spec?: { readonly suspend?: boolean };
}
interface WorkloadJson {
  readonly apiVersion?: string;
  readonly metadata: { readonly name: string; readonly ownerReferences?: ReadonlyArray<{ uid: string }> };
  readonly status?: { readonly conditions?: readonly Condition[] };
}

/** Whether Kueue admitted the Job: its Workload's Admitted condition, or the Job un-suspended; else what is pending. */
export function admissionOf(
  job: JobJson,
  workloads: readonly WorkloadJson[],
): { readonly admitted: boolean; readonly detail: string } {
  const uid = job.metadata?.uid;
  const workload = workloads.find((w) => uid !== undefined && w.metadata.ownerReferences?.some((o) => o.uid === uid));
  const conditions = workload?.status?.conditions ?? [];
  const admitted = conditions.find((c) => c.type === "Admitted" && c.status === "True");
  if (admitted) return { admitted: true, detail: `Workload ${workload?.metadata.name} is Admitted` };
  if (job.spec?.suspend === false) return { admitted: true, detail: "the Job is no longer suspended" };
  if (!workload) {
    return {
      admitted: false,
      detail: `no ${KUEUE_API_VERSION} Workload was created for the Job: is Kueue running, and is the namespace opted in to it?`,
    };
  }
  const shown = conditions
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ""}${c.message ? `: ${c.message}` : ""}`)
    .join("; ");
  return { admitted: false, detail: `Workload ${workload.metadata.name}: ${shown || "no conditions yet"}` };
}

/** What a kubectl run returned. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}
export type Runner = (argv: readonly string[], stdin?: string) => RunResult;

export interface SmokeOptions {
  readonly context?: string;
  /** How long each Job may wait for admission. @default 180 */
  readonly timeoutSeconds?: number;
  /** @default 2000 */
  readonly pollMilliseconds?: number;
  /** Distinguishes the Jobs of this run. */
  readonly suffix: string;
  readonly sleep: (ms: number) => void;
  readonly now: () => number;
  readonly log?: (line: string) => void;
}

const firstLine = (r: RunResult) => (r.stderr || r.stdout).trim().split("\n")[0] ?? "";

/**
 * Runs the smoke check with the given kubectl runner and returns one message per failure (empty: it passed).
 * Behaviour is checked only when every queue exists.
 */
export function runSmoke(profile: Profile, run: Runner, options: SmokeOptions): string[] {
  const log = options.log ?? (() => undefined);
  const { context } = options;
  const targets = smokeTargets(profile);
  const failures: string[] = [];
  for (const check of existenceChecks(targets, context)) {
    const result = run(check.argv);
    if (result.status === 0) log(`ok: ${check.what} exists`);
    else failures.push(`${check.what}: not found or not readable: ${firstLine(result)}`);
  }
  if (failures.length > 0) return failures;

  const timeout = (options.timeoutSeconds ?? 180) * 1000;
  const name = smokeJobName(options.suffix);
  const created: SmokeTarget[] = [];
  try {
    const pending = new Map<SmokeTarget, JobJson>();
    for (const target of targets) {
      const result = run(createCommand(context), JSON.stringify(smokeJob(profile, target, name)));
      if (result.status !== 0) {
        failures.push(
          `team ${target.team}: creating Job ${target.namespace}/${name} was refused: ${firstLine(result)}`,
        );
        continue;
      }
      created.push(target);
      pending.set(target, JSON.parse(result.stdout) as JobJson);
      log(`created Job ${target.namespace}/${name} in LocalQueue ${target.localQueue}`);
    }
    const deadline = options.now() + timeout;
    const last = new Map<SmokeTarget, string>();
    while (pending.size > 0) {
      for (const [target, createdJob] of [...pending]) {
        const job = run(getJobCommand(target.namespace, name, context));
        const workloads = run(listWorkloadsCommand(target.namespace, context));
        const current = job.status === 0 ? (JSON.parse(job.stdout) as JobJson) : createdJob;
        const items = workloads.status === 0 ? (JSON.parse(workloads.stdout) as { items: WorkloadJson[] }).items : [];
        const state = admissionOf({ ...current, metadata: { uid: createdJob.metadata?.uid } }, items);
        if (state.admitted) {
          log(`ok: team ${target.team}: Kueue admitted Job ${target.namespace}/${name} (${state.detail})`);
          pending.delete(target);
        } else {
          last.set(target, job.status === 0 ? state.detail : `reading the Job failed: ${firstLine(job)}`);
        }
      }
      if (pending.size === 0) break;
      if (options.now() >= deadline) {
        for (const target of pending.keys()) {
          failures.push(
            `team ${target.team}: Kueue did not admit Job ${target.namespace}/${name} (LocalQueue ${target.localQueue}, ClusterQueue ${target.clusterQueue}) within ${timeout / 1000}s: ${last.get(target)}`,
          );
        }
        break;
      }
      options.sleep(options.pollMilliseconds ?? 2000);
    }
  } finally {
    for (const target of created) {
      const result = run(deleteJobCommand(target.namespace, name, context));
      if (result.status !== 0) {
        failures.push(`team ${target.team}: deleting Job ${target.namespace}/${name} failed: ${firstLine(result)}`);
      } else log(`deleted Job ${target.namespace}/${name}`);
    }
  }
  return failures;
}

/** The command line of `npm run smoke -- <profile> [--context <kube-context>] [--timeout <seconds>]`. */
export function parseSmokeArgs(argv: readonly string[]): {
  profile: string;
  context?: string;
  timeoutSeconds?: number;
} {
  const usage = "usage: npm run smoke -- <profile> [--context <kube-context>] [--timeout <seconds>]";
  let profile: string | undefined;
  let context: string | undefined;
  let timeoutSeconds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg} needs a value; ${usage}`);
      return next;
    };
    if (arg === "--context") context = value();
    else if (arg.startsWith("--context=")) context = arg.slice("--context=".length);
    else if (arg === "--timeout" || arg.startsWith("--timeout=")) {
      const text = arg === "--timeout" ? value() : arg.slice("--timeout=".length);
      timeoutSeconds = Number(text);
      if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
        throw new Error(`--timeout must be a whole number of seconds, got "${text}"; ${usage}`);
      }
    } else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}; ${usage}`);
    else if (profile === undefined) profile = arg;
    else throw new Error(`one profile only, got "${profile}" and "${arg}"; ${usage}`);
  }
  if (profile === undefined) throw new Error(`name the profile; ${usage}`);
  return { profile, ...(context ? { context } : {}), ...(timeoutSeconds ? { timeoutSeconds } : {}) };
}
