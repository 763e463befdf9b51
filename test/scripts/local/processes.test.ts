import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LocalState } from "../../../scripts/local/processes";
import {
  createNamespace,
  isRunning,
  networkNamespaceOf,
  procStat,
  processesInNamespace,
  readState,
  recordProcess,
  runInNamespace,
  spawnInNamespace,
  stopProcesses,
} from "../../../scripts/local/processes";

function newState(dir: string): LocalState {
  return { name: "t", profile: "laptop", stateDir: dir, kubeconfig: join(dir, "kubeconfig"), processes: [] };
}

describe("the bookkeeping of a local cluster's processes", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "local-processes-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("a process is known by its PID and start time: the same PID with another start time is someone else", () => {
    const stat = procStat(process.pid);
    expect(stat?.startTime).toBeGreaterThan(0);
    expect(isRunning({ pid: process.pid, startTime: stat?.startTime ?? -1 })).toBe(true);
    expect(isRunning({ pid: process.pid, startTime: (stat?.startTime ?? 0) + 1 })).toBe(false);
    expect(procStat(2 ** 22 + 1)).toBeUndefined();
  });

  test("every process is written to state.json as soon as it is recorded", () => {
    const state = newState(dir);
    recordProcess(state, { name: "me", pid: process.pid, command: ["node"] });
    expect(readState(dir).processes).toEqual([
      { name: "me", pid: process.pid, command: ["node"], startTime: procStat(process.pid)?.startTime },
    ]);
  });

  test("recording a process that has exited says so", () => {
    expect(() => recordProcess(newState(dir), { name: "gone", pid: 2 ** 22 + 1, command: [] })).toThrow(
      /gone \(PID 4194305\) exited before it could be recorded/,
    );
  });

  test("the namespace has loopback only: 192.0.2.1 on lo, and any other address is unreachable at once", async () => {
    const state = newState(dir);
    try {
      await createNamespace(state, join(dir, "namespace.log"));
      expect(state.namespace).not.toBe(networkNamespaceOf(process.pid));
      expect(await runInNamespace(state, ["ip", "-o", "-4", "addr", "show", "dev", "lo"])).toMatch(
        /inet 127\.0\.0\.1\/8 .*\n.*inet 192\.0\.2\.1\/32 /,
      );
      expect((await runInNamespace(state, ["ip", "route"])).trim()).toBe("unreachable default");
      // The host keeps its own loopback as it was (here 192.0.2.1 is the host's gateway).
      expect(execFileSync("ip", ["-o", "-4", "addr", "show", "dev", "lo"]).toString()).not.toContain("192.0.2.1");
      await expect(runInNamespace(state, ["bash", "-c", "exec 3<>/dev/tcp/10.0.0.1/443"])).rejects.toThrow(
        /No route to host/,
      );
    } finally {
      await stopProcesses(state);
    }
  });

  test("stop ends strays in the namespace, then the recorded processes latest first, the holder last; never a reused PID", async () => {
    const state = newState(dir);
    // A process outside the namespace recorded with another start time: the PID now belongs to someone else.
    const bystander = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      await createNamespace(state, join(dir, "namespace.log"));
      const sleeper = spawnInNamespace(state, "sleeper", ["sleep", "30"], { log: join(dir, "sleeper.log") });
      await runInNamespace(state, ["bash", "-c", "setsid sleep 30 > /dev/null 2>&1 < /dev/null &"]);
      const strays = processesInNamespace(state.namespace as string).filter(
        (pid) => !state.processes.some((p) => p.pid === pid),
      );
      expect(strays).toHaveLength(1);
      const bystanderStart = procStat(bystander.pid as number)?.startTime as number;
      state.processes.push({
        name: "reused",
        pid: bystander.pid as number,
        startTime: bystanderStart - 1,
        command: [],
      });

      const stopped = await stopProcesses(state);

      expect(stopped).toEqual([
        `process in the namespace (PID ${strays[0]})`,
        `sleeper (PID ${sleeper.pid})`,
        `network-namespace (PID ${state.namespacePid})`,
      ]);
      expect(state.processes.filter((p) => p.name !== "reused").filter(isRunning)).toEqual([]);
      expect(processesInNamespace(state.namespace as string)).toEqual([]);
      expect(isRunning({ pid: bystander.pid as number, startTime: bystanderStart })).toBe(true);
    } finally {
      bystander.kill();
      await stopProcesses(state);
    }
  });

  test("stopping a cluster that joined another's namespace stops only its own processes, never the holder or the other cluster's", async () => {
    const holderState = newState(dir);
    try {
      await createNamespace(holderState, join(dir, "namespace.log"));
      const other = spawnInNamespace(holderState, "other", ["sleep", "30"], { log: join(dir, "other.log") });
      const joinedDir = join(dir, "joined");
      mkdirSync(joinedDir);
      const joined: LocalState = {
        ...newState(joinedDir),
        processes: [],
        joined: holderState.name,
        namespace: holderState.namespace,
        namespacePid: holderState.namespacePid,
        portOffset: 100,
      };
      const own = spawnInNamespace(joined, "own", ["sleep", "30"], { log: join(joinedDir, "own.log") });

      expect(await stopProcesses(joined)).toEqual([`own (PID ${own.pid})`]);
      expect(holderState.processes.every(isRunning)).toBe(true);
      expect(isRunning(other)).toBe(true);
    } finally {
      await stopProcesses(holderState);
    }
  });
});
