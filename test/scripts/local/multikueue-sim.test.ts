/**
 * The multicloud-gpu design against the real Kueue (scripts/local/multikueue.ts): a management cluster and its
 * GPU workers as local control planes in one network namespace, MultiKueue wired from what the platform renders.
 * A job queued on the manager runs on a worker with room, and its status comes back. Runs unless the cluster
 * tools were skipped on purpose (CNAI_SKIP_CLUSTER_TOOLS=1).
 */
import { resolve } from "node:path";
import type { RenderedStack } from "../../../reports/rendered";
import { down, up } from "../../../scripts/local/cluster";
import { readClusterTools } from "../../../scripts/local/config";
import type { StartedWorker } from "../../../scripts/local/multikueue";
import { kubectlFor, startManagerKueue, startWorker, workerStack } from "../../../scripts/local/multikueue";
import { localNodes } from "../../../scripts/local/nodes";
import type { LocalState } from "../../../scripts/local/processes";
import { isRunning, processesInNamespace } from "../../../scripts/local/processes";
import { renderProfile } from "../../../stacks/render-profile";
import type { SimWorkload } from "../../../verify/simulation/plan";
import { simulationObjects } from "../../../verify/simulation/plan";

const ROOT = resolve(__dirname, "../../..");
const SKIPPED = process.env.CNAI_SKIP_CLUSTER_TOOLS === "1";
const suite = SKIPPED ? describe.skip : describe;
const PROFILE = "multicloud-gpu";

interface Condition {
  type: string;
  status: string;
}
interface Workload {
  metadata: { name: string; ownerReferences?: Array<{ name: string }> };
  status?: {
    clusterName?: string;
    conditions?: Condition[];
    admissionChecks?: Array<{ name: string; state: string }>;
  };
}
interface Pod {
  spec: { nodeName?: string };
  status: { phase: string };
}

const isTrue = (conditions: Condition[] | undefined, type: string) =>
  conditions?.some((c) => c.type === type && c.status === "True") ?? false;

/** Polls `read` until `done` holds of its value; fails with the last value seen. */
async function eventually<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  let error = "";
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (e) {
      error = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${what} within ${ms / 1000} s; last seen: ${JSON.stringify(last)} ${error}`);
}

suite("MultiKueue across local control planes (multicloud-gpu)", () => {
  const tools = SKIPPED ? undefined : readClusterTools(ROOT);
  const prefix = `mk-${process.pid}`;
  const started: LocalState[] = [];
  let stacks: RenderedStack[];
  let manager: LocalState;
  const workers: StartedWorker[] = [];
  const kubectl = (state: LocalState) => kubectlFor(state, tools!);
  const json = async <T>(state: LocalState, args: string[]) =>
    JSON.parse(await kubectl(state)([...args, "-o", "json"])) as T;

  /** The golden-path Job of a one-workload plan (verify/simulation/plan.ts), as simulate submits it. */
  const job = (workload: Omit<SimWorkload, "kind" | "arrival" | "resource">) => {
    const plan = {
      profile: PROFILE,
      timeScale: 60,
      source: "test",
      workloads: [{ kind: "job" as const, arrival: 0, resource: "nvidia.com/gpu", ...workload }],
    };
    return simulationObjects(stacks[0].profile, plan)[0].object;
  };
  const submit = (object: Record<string, unknown>) => kubectl(manager)(["create", "-f", "-"], JSON.stringify(object));
  /** The manager's Workload of a Job. */
  const managerWorkload = async (namespace: string, jobName: string) => {
    const list = await json<{ items: Workload[] }>(manager, ["get", "workloads", "-n", namespace]);
    const found = list.items.find((w) => w.metadata.ownerReferences?.[0]?.name === jobName);
    if (!found) throw new Error(`no Workload for job ${jobName} yet`);
    return found;
  };
  const dispatched = (w: Workload) =>
    w.status?.admissionChecks?.find((c) => c.name === "multikueue")?.state === "Ready" && !!w.status.clusterName;
  const gpuNodes = (worker: string, pool: string) =>
    localNodes(workerStack(stacks, worker).profile)
      .filter((n) => n.pool === pool)
      .map((n) => n.name);

  beforeAll(async () => {
    stacks = renderProfile(PROFILE, { root: ROOT });
    manager = (await up({ root: ROOT, profile: stacks[0].profile, name: `${prefix}-manager` })).state;
    started.push(manager);
    const gke = await startWorker({
      root: ROOT,
      tools: tools!,
      manager,
      stacks,
      worker: "gke",
      index: 1,
      name: `${prefix}-gke`,
    });
    started.push(gke.state);
    workers.push(gke);
    await startManagerKueue({ root: ROOT, tools: tools!, manager, stacks, workers });
  }, 300_000);

  afterAll(async () => {
    // Workers first: a worker's down stops its own processes only; the manager's stops the namespace.
    const problems: string[] = [];
    for (const state of [...started].reverse()) {
      await down(ROOT, state.name);
      problems.push(...state.processes.filter(isRunning).map((p) => `${state.name}: ${p.name} (PID ${p.pid})`));
      if (state !== manager && manager.processes.some((p) => !isRunning(p))) {
        problems.push(`down of ${state.name} stopped a process of the manager`);
      }
    }
    if (manager?.namespace) problems.push(...processesInNamespace(manager.namespace).map((pid) => `PID ${pid} left`));
    expect(problems).toEqual([]);
  }, 180_000);

  test("a job queued on the manager runs on the gke worker, and its completion comes back to the manager", async () => {
    const object = job({
      name: "l4-once",
      team: "research",
      pool: "gke-l4",
      gpus: 1,
      replicas: 1,
      duration: 8,
      priority: "batch",
    });
    const namespace = object.metadata.namespace;
    await submit(object);

    const workload = await eventually(
      "the manager's Workload is dispatched",
      () => managerWorkload(namespace, "l4-once"),
      dispatched,
    );
    expect(workload.status?.clusterName).toBe("gke");

    const worker = workers[0].state;
    const pod = await eventually(
      "the Job's pod runs on the gke worker",
      async () =>
        (await json<{ items: Pod[] }>(worker, ["get", "pods", "-n", namespace, "-l", "job-name=l4-once"])).items,
      (pods) => pods.length === 1 && pods[0].status.phase === "Running",
    );
    expect(gpuNodes("gke", "gke-l4")).toContain(pod[0].spec.nodeName);
    // The manager's copy of the Job creates no pod: MultiKueue manages it (spec.managedBy).
    expect(await kubectl(manager)(["get", "pods", "-n", namespace, "-o", "name"])).toBe("");

    const finished = await eventually(
      "the manager's Job and Workload finish",
      async () => ({
        job: await json<{ status: { conditions?: Condition[] } }>(manager, ["get", "job", "-n", namespace, "l4-once"]),
        workload: await managerWorkload(namespace, "l4-once"),
      }),
      ({ job: j, workload: w }) => isTrue(j.status.conditions, "Complete") && isTrue(w.status?.conditions, "Finished"),
    );
    expect(finished.workload.status?.clusterName).toBe("gke");
  }, 120_000);

  test("with the gke worker's L4 pool full, a job that fits either worker's GPUs is dispatched to the aks worker, which has room", async () => {
    const aks = await startWorker({
      root: ROOT,
      tools: tools!,
      manager,
      stacks,
      worker: "aks",
      index: 2,
      name: `${prefix}-aks`,
    });
    started.push(aks.state);
    workers.push(aks);
    await kubectl(manager)(["apply", "--server-side", "-f", "-"], JSON.stringify(aks.kubeconfigSecret));
    await eventually(
      "MultiKueueCluster aks becomes active",
      () => json<{ status?: { conditions?: Condition[] } }>(manager, ["get", "multikueuecluster", "aks"]),
      (c) => isTrue(c.status?.conditions, "Active"),
    );

    // gke-l4's 8 slots (4 nodes × 1 L4 × time-slicing 2): research's nominal 6 and serving's 2, held for 10 minutes.
    const fill = [
      job({
        name: "l4-research",
        team: "research",
        pool: "gke-l4",
        gpus: 1,
        replicas: 6,
        duration: 600,
        priority: "batch",
      }),
      job({
        name: "l4-serving",
        team: "serving",
        pool: "gke-l4",
        gpus: 1,
        replicas: 2,
        duration: 600,
        priority: "interactive",
      }),
    ];
    for (const object of fill) await submit(object);
    const gke = workers[0].state;
    const running = await eventually(
      "the fill jobs' 8 pods run on the gke worker",
      async () =>
        (await json<{ items: Pod[] }>(gke, ["get", "pods", "-A", "-l", "batch.kubernetes.io/job-name"])).items,
      (pods) => pods.filter((p) => p.status.phase === "Running").length === 8,
    );
    expect(new Set(running.map((p) => p.spec.nodeName))).toEqual(new Set(gpuNodes("gke", "gke-l4")));
    for (const object of fill) {
      expect((await managerWorkload(object.metadata.namespace, object.metadata.name)).status?.clusterName).toBe("gke");
    }

    // A pool's placement pins a job to the one worker that has the pool; without it, one GPU fits either worker
    // (each worker's Kueue picks its own flavor), and MultiKueue's default AllAtOnce dispatcher offers it to both.
    const anyGpu = job({
      name: "any-gpu",
      team: "research",
      pool: "akst4",
      gpus: 1,
      replicas: 1,
      duration: 600,
      priority: "batch",
    });
    const podSpec = (anyGpu.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    delete podSpec.nodeSelector;
    delete podSpec.tolerations;
    const namespace = anyGpu.metadata.namespace;
    await submit(anyGpu);
    const workload = await eventually("any-gpu is dispatched", () => managerWorkload(namespace, "any-gpu"), dispatched);
    expect(workload.status?.clusterName).toBe("aks");
    const pods = await eventually(
      "any-gpu's pod runs on the aks worker",
      async () =>
        (await json<{ items: Pod[] }>(aks.state, ["get", "pods", "-n", namespace, "-l", "job-name=any-gpu"])).items,
      (p) => p.length === 1 && p[0].status.phase === "Running",
    );
    expect(gpuNodes("aks", "akst4")).toContain(pods[0].spec.nodeName);
    // The copy offered to the full gke worker is withdrawn.
    await eventually(
      "the gke worker's copy of any-gpu's Workload is deleted",
      () => kubectl(gke)(["get", "workloads", "-n", namespace, "-o", "name"]),
      (names) => !names.includes(workload.metadata.name),
    );
  }, 240_000);
});
