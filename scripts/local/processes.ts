/**
 * The processes of a local cluster, and the network namespace they run in.
 *
 * On these machines a connection to any non-loopback address leaves the machine (a Service IP is answered by
 * a proxy on the network), so the whole tier runs in its own network namespace with loopback only. One
 * holder process (`unshare --net sleep infinity`, started as root) creates and keeps the namespace; every
 * other process enters it with `nsenter --net=/proc/<holder>/ns/net`, which execs in place, so the PID we
 * record is the program's own.
 *
 * Every process is recorded in the cluster's state file (`state.json`) with its PID and its start time from
 * /proc/<pid>/stat, written as soon as it starts, so `down` stops exactly those processes, never one that
 * merely reuses a PID, also after an `up` that failed halfway. New kinds of local processes (Kueue, a chart
 * server) are added with `spawnInNamespace` and need nothing else here.
 */
import { execFile, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { NAMESPACE_ADDRESS } from "./config";

const execFileAsync = promisify(execFile);

export interface RecordedProcess {
  /** What it is, e.g. `network-namespace`, `kube-apiserver`, `pv-binder`. */
  readonly name: string;
  readonly pid: number;
  /** Clock ticks after boot at which it started (/proc/<pid>/stat field 22): with the PID, its identity. */
  readonly startTime: number;
  readonly command: readonly string[];
  readonly log?: string;
}

export interface LocalState {
  readonly name: string;
  readonly profile: string;
  readonly stateDir: string;
  readonly kubeconfig: string;
  /** The namespace's id (`net:[4026532177]`), so `down` finds every process in it even when the holder is gone. */
  namespace?: string;
  /** The holder's PID: `/proc/<pid>/ns/net` is the namespace. */
  namespacePid?: number;
  /**
   * The cluster whose network namespace this one joined (`up`'s `network.shareWith`): it records no holder, and
   * stopping it stops only its own recorded processes. Undefined for a cluster with its own namespace.
   */
  joined?: string;
  /** Added to every local port (LOCAL_PORTS, KUEUE_PORTS) of a cluster that joined another's namespace. */
  portOffset?: number;
  /** In start order; the holder first. */
  readonly processes: RecordedProcess[];
}

export const STATE_FILE = "state.json";
/** The recorded name of the process that holds the network namespace. */
export const NAMESPACE_HOLDER = "network-namespace";

export function writeState(state: LocalState): void {
  const file = join(state.stateDir, STATE_FILE);
  writeFileSync(`${file}.new`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.new`, file);
}

export function readState(stateDir: string): LocalState {
  return JSON.parse(readFileSync(join(stateDir, STATE_FILE), "utf8")) as LocalState;
}

/** A process's start time and state letter from /proc/<pid>/stat; undefined when there is no such process. */
export function procStat(pid: number): { startTime: number; state: string } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], startTime: Number(fields[19]) };
}

/** The recorded process still runs (a zombie has ended; one with another start time is someone else). */
export function isRunning(process: Pick<RecordedProcess, "pid" | "startTime">): boolean {
  const stat = procStat(process.pid);
  return stat !== undefined && stat.startTime === process.startTime && stat.state !== "Z" && stat.state !== "X";
}

/** A process's command line from /proc/<pid>/cmdline (empty when it is gone). */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** The network namespace of a process (`net:[…]`), or undefined when it is gone. */
export function networkNamespaceOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
}

/** Every live process in a network namespace, by PID. */
export function processesInNamespace(namespace: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && networkNamespaceOf(pid) === namespace)
    .filter((pid) => {
      const state = procStat(pid)?.state;
      return state !== undefined && state !== "Z" && state !== "X";
    });
}

/** Records a process (ours or one a tool started, such as kwokctl's components) and saves the state at once. */
export function recordProcess(
  state: LocalState,
  entry: { name: string; pid: number; command: readonly string[]; log?: string },
): RecordedProcess {
  const stat = procStat(entry.pid);
  if (!stat) throw new Error(`${entry.name} (PID ${entry.pid}) exited before it could be recorded`);
  const recorded: RecordedProcess = { ...entry, startTime: stat.startTime };
  state.processes.push(recorded);
  writeState(state);
  return recorded;
}

/** `nsenter` into the cluster's network namespace, then the command. */
export function inNamespace(state: LocalState, command: readonly string[]): string[] {
  if (state.namespacePid === undefined) throw new Error(`cluster ${state.name} has no network namespace yet`);
  // Were the holder gone and its PID reused, nsenter would enter someone else's namespace: refuse.
  if (networkNamespaceOf(state.namespacePid) !== state.namespace) {
    throw new Error(
      `the network namespace of cluster ${state.name} is gone (holder PID ${state.namespacePid} ended): run 'npm run local -- down --name ${state.name}'`,
    );
  }
  return ["nsenter", `--net=/proc/${state.namespacePid}/ns/net`, "--", ...command];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a command to its end inside the namespace; rejects with its output when it fails. */
export async function runInNamespace(
  state: LocalState,
  command: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; signal?: AbortSignal } = {},
): Promise<string> {
  const [file, ...args] = inNamespace(state, command);
  const child = execFileAsync(file, args, {
    env: options.env ?? process.env,
    timeout: options.timeoutMs ?? 120_000, // sends SIGTERM
    maxBuffer: 64 * 1024 * 1024,
    signal: options.signal,
  });
  if (options.input !== undefined) {
    child.child.stdin?.end(options.input);
  }
  const timeoutMs = options.timeoutMs ?? 120_000;
  try {
    return (await child).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string; killed?: boolean };
    const output = (e.stderr || e.stdout || e.message).trim();
    if (e.killed && !options.signal?.aborted) {
      throw new Error(`${command.join(" ")} did not finish within ${timeoutMs / 1000} s: ${output}`);
    }
    throw new Error(`${command.join(" ")} failed: ${output}`);
  }
}

/**
 * Starts a long-running process inside the namespace, detached from this one (it outlives `up`), with its
 * output in `log`, and records it.
 */
export function spawnInNamespace(
  state: LocalState,
  name: string,
  command: readonly string[],
  options: { log: string; env?: NodeJS.ProcessEnv; cwd?: string },
): RecordedProcess {
  const out = openSync(options.log, "a");
  try {
    const [file, ...args] = inNamespace(state, command);
    const child = spawn(file, args, {
      detached: true,
      stdio: ["ignore", out, out],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${name}: ${command.join(" ")}`);
    return recordProcess(state, { name, pid: child.pid, command, log: options.log });
  } finally {
    closeSync(out);
  }
}

/**
 * The holder's script, run by `unshare --net` inside the new namespace: loopback up, the address the
 * apiserver advertises, an unreachable default route (the apiserver wants one; nothing leaves by it), then
 * it stays as the namespace's holder. Doing the setup inside the holder, rather than by nsenter afterwards,
 * means it can only ever touch the new namespace: on these machines the host's own gateway is 192.0.2.1,
 * and that address on the host's loopback would cut the host off its network.
 */
export const NAMESPACE_SETUP = [
  "set -e",
  "ip link set lo up",
  `ip addr add ${NAMESPACE_ADDRESS}/32 dev lo`,
  "ip route add unreachable default",
  "echo ready",
  "exec sleep infinity",
].join("; ");

/** Creates the cluster's network namespace and records its holder. */
export async function createNamespace(state: LocalState, log: string): Promise<void> {
  const own = networkNamespaceOf(process.pid);
  const command = ["unshare", "--net", "--", "sh", "-c", NAMESPACE_SETUP];
  const out = openSync(log, "a");
  const holder = spawn(command[0], command.slice(1), { detached: true, stdio: ["ignore", out, out] });
  closeSync(out);
  holder.unref();
  if (holder.pid === undefined) {
    const error = await new Promise<Error>((resolve) => holder.once("error", resolve));
    throw new Error(`could not start ${command[0]}: ${error.message}`);
  }
  const pid = holder.pid;
  recordProcess(state, { name: NAMESPACE_HOLDER, pid, command, log });
  for (let i = 0; i < 250; i++) {
    const namespace = networkNamespaceOf(pid);
    if (namespace === undefined || holder.exitCode !== null) {
      throw new Error(
        `unshare --net exited (exit code ${holder.exitCode}): ${readFileSync(log, "utf8").trim() || "no output"}; ` +
          "a network namespace needs root (CAP_SYS_ADMIN), and the setup needs ip (iproute2)",
      );
    }
    if (namespace !== own && /^ready$/m.test(readFileSync(log, "utf8"))) {
      state.namespace = namespace;
      state.namespacePid = pid;
      writeState(state);
      return;
    }
    await sleep(20);
  }
  throw new Error(
    `the network namespace was not set up within 5 s: ${readFileSync(log, "utf8").trim() || "no output"}`,
  );
}

/**
 * Stops every recorded process that still runs, and any other process left in the namespace (started in it
 * by `local exec`, or forked by a recorded one), one at a time in reverse start order: what started later
 * uses what started earlier, and a kube-apiserver whose clients still watch waits 60 s for them before it
 * exits. Each gets SIGTERM, up to `graceMs` to exit, then SIGKILL. The holder goes last, so the namespace
 * stays until everything in it is gone. A cluster that joined another's namespace (`state.joined`) stops only
 * its own recorded processes: the namespace, its holder and every other process in it belong to that other
 * cluster. Returns what it stopped.
 */
export async function stopProcesses(state: LocalState, graceMs = 10_000): Promise<string[]> {
  const holder = state.joined ? undefined : state.processes.find((p) => p.name === NAMESPACE_HOLDER);
  const recordedPids = new Set(state.processes.map((p) => p.pid));
  const strays =
    state.namespace && !state.joined
      ? processesInNamespace(state.namespace)
          .filter((pid) => !recordedPids.has(pid))
          .map((pid) => ({ name: "process in the namespace", pid, startTime: procStat(pid)?.startTime ?? -1 }))
      : [];
  const targets = [...strays, ...state.processes.filter((p) => p !== holder).reverse(), ...(holder ? [holder] : [])];
  const stopped: string[] = [];
  for (const target of targets.filter(isRunning)) {
    try {
      process.kill(target.pid, "SIGTERM");
    } catch {
      continue; // gone meanwhile
    }
    stopped.push(`${target.name} (PID ${target.pid})`);
    for (const [signal, waitMs] of [
      ["SIGKILL", graceMs],
      [undefined, 5_000],
    ] as const) {
      const deadline = Date.now() + waitMs;
      while (isRunning(target) && Date.now() < deadline) await sleep(50);
      if (!isRunning(target) || signal === undefined) break;
      try {
        process.kill(target.pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }
  const left = targets.filter(isRunning);
  if (left.length > 0) {
    throw new Error(
      `could not stop ${left.map((p) => `${p.name} (PID ${p.pid})`).join(", ")} even with SIGKILL; the state stays in ${state.stateDir}`,
    );
  }
  return stopped;
}

/** The PID files kwokctl writes for the components it starts (`<workdir>/clusters/<name>/pids/<binary>.pid`). */
export function kwokctlPidFiles(workdir: string, cluster: string): Array<{ name: string; pid: number }> {
  const dir = join(workdir, "clusters", cluster, "pids");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith(".pid"))
    .sort()
    .map((file) => ({
      name: file.slice(0, -".pid".length),
      pid: Number(readFileSync(join(dir, file), "utf8").trim()),
    }));
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
