/**
 * `npm run local`: a container-free Kubernetes control plane shaped like a profile's cluster. The real
 * etcd, kube-apiserver, kube-controller-manager and kube-scheduler (started by kwokctl from the binaries
 * scripts/cluster-tools.sh builds), kwok's controller faking one node per pool node, a default StorageClass
 * with a volume binder, all inside the cluster's own network namespace (scripts/local/processes.ts).
 *
 * State lives in `<repo>/.local/<name>/` (git-ignored): state.json (the processes), kubeconfig, logs/,
 * kwok/ (kwokctl's workdir). `down` stops what state.json records and removes the folder.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { loadCheckedProfile } from "../../platform/check";
import { DNS_LABEL, DNS_LABEL_FIX } from "../../profiles/names";
import type { Profile } from "../../profiles/schema";
import type { ClusterTools } from "./config";
import {
  BINDER_LABEL,
  CONTROL_PLANE_BINARIES,
  kwokctlConfigYaml,
  readClusterTools,
  shiftedPorts,
  STORAGE_CLASS,
  storageClassObject,
} from "./config";
import { localNodes, nodeObject } from "./nodes";
import { resourceSliceObjects } from "./resource-slices";
import type { LocalState } from "./processes";
import {
  commandLine,
  createNamespace,
  ensureDir,
  inNamespace,
  isRunning,
  kwokctlPidFiles,
  NAMESPACE_HOLDER,
  networkNamespaceOf,
  procStat,
  readState,
  recordProcess,
  runInNamespace,
  spawnInNamespace,
  STATE_FILE,
  stopProcesses,
  writeState,
} from "./processes";

export const DEFAULT_NAME = "local";
/** How long `up` waits for the API (the default ServiceAccount) and for the nodes to turn Ready. */
export const READY_TIMEOUT_MS = 90_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (since: number) => (Date.now() - since) / 1000;

/** The state folder of a cluster in a checkout. */
export function stateDir(root: string, name: string): string {
  return join(root, ".local", name);
}

export function checkName(name: string): string {
  if (!DNS_LABEL.test(name)) throw new Error(`--name "${name}": ${DNS_LABEL_FIX}`);
  return name;
}

/** The environment for kwokctl: its state in the cluster's folder, and no KWOK_* setting of the caller's. */
function kwokctlEnv(workdir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("KWOK_")));
  return { ...env, KWOK_WORKDIR: workdir };
}

/**
 * The environment for commands run against the cluster: its kubeconfig (none of the caller's clusters), and
 * the built kubectl, tofu and helm first on PATH.
 */
export function clusterEnv(state: LocalState, tools: ClusterTools): NodeJS.ProcessEnv {
  const bins = [tools.binaries.kubectl, tools.tofu, tools.helm].filter(Boolean).map((file) => dirname(file));
  return { ...process.env, KUBECONFIG: state.kubeconfig, PATH: [...new Set(bins), process.env.PATH].join(":") };
}

async function kubectl(
  state: LocalState,
  tools: ClusterTools,
  args: readonly string[],
  options: { input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  return runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, ...args], {
    timeoutMs: 60_000,
    ...options,
  });
}

/** Polls until `check` resolves true; throws with `what` and the last error after `timeoutMs`. */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (signal?.aborted) throw new Error(`interrupted while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s${last ? `; last error: ${last}` : ""}`);
}

/** The last lines of each log in the cluster's folder, for an error message. */
function logTails(state: LocalState, lines = 15): string {
  const logs = new Set<string>();
  for (const p of state.processes) if (p.log) logs.add(p.log);
  const kwokLogs = join(state.stateDir, "kwok", "clusters", state.name, "logs");
  if (existsSync(kwokLogs)) {
    for (const file of readdirSync(kwokLogs)) logs.add(join(kwokLogs, file));
  }
  return [...logs]
    .filter((file) => existsSync(file))
    .map((file) => {
      const tail = readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      return tail ? `--- ${file} (last ${lines} lines)\n${tail}` : "";
    })
    .filter(Boolean)
    .join("\n");
}

/** A failed `up`, after its clean-up; `state` records what it had started (and stopped). */
export class UpError extends Error {
  constructor(
    message: string,
    readonly state: LocalState,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

export interface UpOptions {
  readonly root: string;
  /** A profile's name, or a checked Profile (e.g. a MultiKueue worker's, platform/multicluster.ts `workerProfile`). */
  readonly profile: string | Profile;
  readonly name?: string;
  /** A profile override object (as CNAI_OVERRIDES gives it); only with a profile's name. */
  readonly overrides?: unknown;
  /**
   * Start the cluster inside another running cluster's network namespace, so the two reach each other on
   * 127.0.0.1 (MultiKueue), with every port shifted by `portOffset` (a multiple of 100, distinct per cluster).
   * @default its own namespace, ports LOCAL_PORTS
   */
  readonly network?: { readonly shareWith: LocalState; readonly portOffset: number };
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  /** @default READY_TIMEOUT_MS */
  readonly readyTimeoutMs?: number;
}

export interface UpResult {
  readonly state: LocalState;
  /** From the start of `up` until the API answered with the default ServiceAccount. */
  readonly apiReadySeconds: number;
  /** From the start of `up` until every node was Ready and the binder ran. */
  readonly totalSeconds: number;
  readonly nodes: readonly string[];
  /** The DRA devices the nodes' ResourceSlices publish (scripts/local/resource-slices.ts); 0 without DRA pools. */
  readonly draDevices: number;
}

/**
 * Starts a local cluster for a profile. On any failure it stops what it started, removes its folder and
 * throws with the cause and the tails of the component logs.
 */
export async function up(options: UpOptions): Promise<UpResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const name = checkName(options.name ?? DEFAULT_NAME);
  if (typeof options.profile !== "string" && options.overrides !== undefined) {
    throw new Error("up: overrides apply to a profile's name; apply them before passing a Profile object");
  }
  const profile =
    typeof options.profile === "string" ? loadCheckedProfile(options.profile, options.overrides) : options.profile;
  const nodes = localNodes(profile);
  const ports = shiftedPorts(options.network?.portOffset ?? 0);
  const tools = readClusterTools(options.root, CONTROL_PLANE_BINARIES);
  if (process.getuid?.() !== 0) {
    throw new Error(
      "npm run local needs root (e.g. sudo): the cluster runs in its own network namespace (unshare --net), so nothing it dials leaves the machine",
    );
  }
  const readyTimeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const dir = stateDir(options.root, name);
  if (existsSync(dir)) {
    throw new Error(
      `cluster "${name}" is already up, or a failed run left ${dir} behind: run 'npm run local -- down --name ${name}' first`,
    );
  }
  ensureDir(join(dir, "logs"));
  const shareWith = options.network?.shareWith;
  const state: LocalState = {
    name,
    profile: profile.name,
    stateDir: dir,
    kubeconfig: join(dir, "kubeconfig"),
    processes: [],
    ...(shareWith && {
      joined: shareWith.name,
      namespace: shareWith.namespace,
      namespacePid: shareWith.namespacePid,
      portOffset: options.network?.portOffset,
    }),
  };
  writeState(state);
  try {
    if (shareWith) {
      inNamespace(state, []); // throws when that cluster's namespace is gone
      log(
        `joined the network namespace ${state.namespace} of cluster ${shareWith.name}, ports shifted by ${state.portOffset}`,
      );
    } else {
      await createNamespace(state, join(dir, "logs", "network-namespace.log"));
      log(`network namespace ${state.namespace} (holder PID ${state.namespacePid})`);
    }

    const config = join(dir, "kwokctl.yaml");
    writeFileSync(config, kwokctlConfigYaml(tools, ports));
    const workdir = join(dir, "kwok");
    const create = [tools.binaries.kwokctl, "--config", config, "create", "cluster", "--name", name];
    create.push("--kubeconfig", state.kubeconfig);
    try {
      // kwokctl itself waits (up to 2 minutes) for the apiserver to serve /version.
      const out = await runInNamespace(state, create, {
        env: kwokctlEnv(workdir),
        timeoutMs: readyTimeoutMs,
        signal: options.signal,
      });
      writeFileSync(join(dir, "logs", "kwokctl-create.log"), out);
    } finally {
      // Whatever kwokctl started, also when it failed halfway, is recorded before anything else can fail.
      for (const { name: component, pid } of kwokctlPidFiles(workdir, name)) {
        if (procStat(pid)) recordProcess(state, { name: component, pid, command: commandLine(pid) });
      }
    }
    log(
      `kwokctl started ${state.processes.filter((p) => p.name !== NAMESPACE_HOLDER).length} components in ${seconds(started).toFixed(1)} s`,
    );

    await waitFor(
      "the API's default ServiceAccount (proof the controller-manager runs)",
      async () =>
        (await kubectl(state, tools, ["get", "serviceaccount", "default", "-n", "default", "-o", "name"])) !== "",
      readyTimeoutMs,
      options.signal,
    );
    const apiReadySeconds = seconds(started);
    log(`API ready after ${apiReadySeconds.toFixed(1)} s`);

    const objects = { apiVersion: "v1", kind: "List", items: [storageClassObject(), ...nodes.map(nodeObject)] };
    await kubectl(state, tools, ["create", "-f", "-"], { input: JSON.stringify(objects), signal: options.signal });
    // DRA pools' GPUs: no kubelet plugin runs on a fake node, so publish what NVIDIA's driver would, owned by the
    // node as the driver's slices are (its UID exists only now). Nothing to delete on `down`: etcd goes with it.
    let slices = resourceSliceObjects(profile, nodes);
    if (slices.length > 0) {
      const created = JSON.parse(await kubectl(state, tools, ["get", "nodes", "-o", "json"])) as NodeList;
      const uids = Object.fromEntries(created.items.map((n) => [n.metadata.name, n.metadata.uid ?? ""]));
      slices = resourceSliceObjects(profile, nodes, uids);
      const list = { apiVersion: "v1", kind: "List", items: slices };
      await kubectl(state, tools, ["create", "-f", "-"], { input: JSON.stringify(list), signal: options.signal });
      log(`published ${slices.length} ResourceSlice(s) of driver gpu.nvidia.com for the DRA pools' nodes`);
    }

    const binderLog = join(dir, "logs", "pv-binder.log");
    spawnInNamespace(state, "pv-binder", binderCommand(options.root, dir), { log: binderLog, cwd: options.root });

    await waitFor(
      `${nodes.length} Ready node(s)`,
      async () => {
        const list = JSON.parse(await kubectl(state, tools, ["get", "nodes", "-o", "json"])) as NodeList;
        const ready = list.items.filter((n) =>
          n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
        );
        return ready.length === nodes.length;
      },
      readyTimeoutMs,
      options.signal,
    );
    return {
      state,
      apiReadySeconds,
      totalSeconds: seconds(started),
      nodes: nodes.map((n) => n.name),
      draDevices: slices.reduce((sum, s) => sum + (s.spec as { devices: unknown[] }).devices.length, 0),
    };
  } catch (error) {
    const tails = logTails(state);
    let cleanup = "";
    try {
      await stopProcesses(state);
      rmSync(dir, { recursive: true, force: true });
    } catch (stopError) {
      cleanup = `\nCleaning up failed as well: ${(stopError as Error).message}`;
    }
    throw new UpError(
      `npm run local -- up ${profile.name} --name ${name} failed: ${(error as Error).message}${cleanup}` +
        (tails ? `\n${tails}` : ""),
      state,
      error,
    );
  }
}

interface NodeList {
  items: Array<{
    metadata: { name: string; uid?: string };
    status?: { conditions?: Array<{ type: string; status: string }> };
  }>;
}

/** Stops a cluster's processes and removes its folder. Returns what it stopped. */
export async function down(root: string, name = DEFAULT_NAME): Promise<string[]> {
  const dir = stateDir(root, checkName(name));
  if (!existsSync(join(dir, STATE_FILE))) {
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      return [];
    }
    throw new Error(
      `no local cluster "${name}": ${dir} does not exist (start one with 'npm run local -- up <profile>')`,
    );
  }
  const stopped = await stopProcesses(readState(dir));
  rmSync(dir, { recursive: true, force: true });
  return stopped;
}

/** The state of a running cluster, for `exec` and the tests. */
export function clusterState(root: string, name = DEFAULT_NAME): LocalState {
  const dir = stateDir(root, checkName(name));
  if (!existsSync(join(dir, STATE_FILE))) {
    throw new Error(
      `no local cluster "${name}" (${dir} does not exist): start one with 'npm run local -- up <profile>'`,
    );
  }
  const state = readState(dir);
  const holder = state.processes.find((p) => p.name === NAMESPACE_HOLDER);
  // A cluster that joined another's namespace has no holder of its own: the namespace must still be that one.
  const alive = state.joined
    ? state.namespacePid !== undefined && networkNamespaceOf(state.namespacePid) === state.namespace
    : holder !== undefined && isRunning(holder);
  if (!alive) {
    throw new Error(
      `local cluster "${name}" is not running (its network namespace is gone): run 'npm run local -- down --name ${name}'`,
    );
  }
  return state;
}

/** The command line of `exec`: the command inside the cluster's namespace. */
export function execCommand(state: LocalState, command: readonly string[]): string[] {
  return inNamespace(state, command);
}

// ---- the volume binder -------------------------------------------------------------------------------------

/** How `up` starts the binder: this module's CLI, run by Node with tsx, inside the namespace. */
function binderCommand(root: string, dir: string): string[] {
  return [process.execPath, "--import", "tsx", join(root, "scripts", "local.ts"), "binder", dir];
}

interface Claim {
  metadata: { name: string; namespace: string; uid: string };
  spec: {
    storageClassName?: string;
    volumeName?: string;
    accessModes?: string[];
    volumeMode?: string;
    resources?: { requests?: { storage?: string } };
  };
  status?: { phase?: string };
}

/**
 * The volume a pending claim of the default class gets: a hostPath volume pre-bound to it (claimRef), which
 * kube-controller-manager's volume controller then binds, as it does for any pre-bound volume. Retain: the
 * hostPath deleter refuses paths outside /tmp, so the binder deletes its released volumes itself.
 */
export function volumeFor(claim: Claim, dir: string): Record<string, unknown> {
  const name = `pvc-${claim.metadata.uid}`;
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, labels: { [BINDER_LABEL]: "pv-binder" } },
    spec: {
      storageClassName: STORAGE_CLASS,
      capacity: { storage: claim.spec.resources?.requests?.storage ?? "1Gi" },
      accessModes: claim.spec.accessModes?.length ? claim.spec.accessModes : ["ReadWriteOnce"],
      volumeMode: claim.spec.volumeMode ?? "Filesystem",
      persistentVolumeReclaimPolicy: "Retain",
      hostPath: { path: join(dir, "volumes", name) },
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        namespace: claim.metadata.namespace,
        name: claim.metadata.name,
        uid: claim.metadata.uid,
      },
    },
  };
}

/** The claims that need a volume: pending, of the default class, not bound to a volume yet. */
export function claimsToBind(claims: readonly Claim[]): Claim[] {
  return claims.filter(
    (c) => c.status?.phase === "Pending" && !c.spec.volumeName && c.spec.storageClassName === STORAGE_CLASS,
  );
}

/** The binder's loop (runs until `down` stops it): every second, bind pending claims, delete released volumes. */
export async function runBinder(dir: string): Promise<never> {
  const state = readState(dir);
  const tools = readClusterTools(join(__dirname, "../.."), ["kubectl"]);
  const kube = (args: string[]) =>
    promisify(execFile)(tools.binaries.kubectl, ["--kubeconfig", state.kubeconfig, ...args], {
      maxBuffer: 64 * 1024 * 1024,
    }).then(
      (r) => r.stdout,
      (e: { stderr?: string; message: string }) => {
        throw new Error(e.stderr || e.message);
      },
    ) as Promise<string>;
  const create = (object: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const child = execFile(
        tools.binaries.kubectl,
        ["--kubeconfig", state.kubeconfig, "create", "-f", "-"],
        (error, _out, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve()),
      );
      child.stdin?.end(JSON.stringify(object));
    });
  const stamp = () => new Date().toISOString();
  for (;;) {
    try {
      const claims = (JSON.parse(await kube(["get", "pvc", "-A", "-o", "json"])) as { items: Claim[] }).items;
      for (const claim of claimsToBind(claims)) {
        const volume = volumeFor(claim, dir);
        try {
          await create(volume);
          console.log(
            `${stamp()} bound ${claim.metadata.namespace}/${claim.metadata.name} to ${(volume.metadata as { name: string }).name}`,
          );
        } catch (error) {
          if (!/AlreadyExists/.test((error as Error).message)) throw error;
        }
      }
      const volumes = JSON.parse(await kube(["get", "pv", "-l", BINDER_LABEL, "-o", "json"])) as {
        items: Array<{ metadata: { name: string }; status?: { phase?: string } }>;
      };
      for (const volume of volumes.items.filter((v) => v.status?.phase === "Released")) {
        await kube(["delete", "pv", volume.metadata.name, "--wait=false"]);
        console.log(`${stamp()} deleted released ${volume.metadata.name}`);
      }
    } catch (error) {
      console.log(`${stamp()} ${(error as Error).message.trim()}`);
    }
    await sleep(1000);
  }
}
