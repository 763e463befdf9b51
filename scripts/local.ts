/**
 * A local, container-free control plane shaped like a profile's cluster (scripts/local/cluster.ts):
 *
 *   npm run local -- up <profile> [--name N]     start it (N defaults to "local"); prints the kubeconfig
 *   npm run local -- exec [--name N] -- CMD...   run CMD inside its network namespace, KUBECONFIG set
 *   npm run local -- down [--name N]             stop every process it started, remove .local/N/
 *
 * Needs root (a network namespace) and the cluster tools (`npm run tools`). CNAI_OVERRIDES applies an
 * override file to the profile, as for `npm run synth`.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { readOverridesFile } from "../profiles/load";
import { clusterEnv, clusterState, DEFAULT_NAME, down, execCommand, runBinder, up } from "./local/cluster";
import { readClusterTools } from "./local/config";
import { readState as clusterStateAt } from "./local/processes";
import { fileChanged, LOCAL_SERVERS_FILE, recordedServers, runWebhookShim } from "./local/webhooks";
import { runLocalKueue } from "./local/kueue";
import { runSimulationDriver } from "./local/simulation-driver";

const ROOT = resolve(__dirname, "..");
const USAGE = `usage: npm run local -- up <profile> [--name N] | down [--name N] | exec [--name N] -- <command...>`;

/** `--name N` out of the arguments; the rest in order. */
export function parseArgs(args: readonly string[]): { name: string; rest: string[]; command: string[] } {
  const dashes = args.indexOf("--");
  const own = dashes === -1 ? [...args] : args.slice(0, dashes);
  const command = dashes === -1 ? [] : args.slice(dashes + 1);
  let name = DEFAULT_NAME;
  const rest: string[] = [];
  for (let i = 0; i < own.length; i++) {
    if (own[i] === "--name") {
      if (own[i + 1] === undefined) throw new Error(`--name needs a value. ${USAGE}`);
      name = own[++i];
    } else if (own[i].startsWith("--name=")) {
      name = own[i].slice("--name=".length);
    } else {
      rest.push(own[i]);
    }
  }
  return { name, rest, command };
}

async function main(argv: readonly string[]): Promise<number> {
  const [verb, ...args] = argv;
  if (verb === "binder") return runBinder(resolve(args[0]));
  if (verb === "webhooks") {
    const dir = resolve(args[0]);
    const state = clusterStateAt(dir);
    const tools = readClusterTools(ROOT, ["kubectl"]);
    return runWebhookShim(
      tools.binaries.kubectl,
      state.kubeconfig,
      recordedServers(dir),
      fileChanged(join(dir, LOCAL_SERVERS_FILE)),
    );
  }
  if (verb === "simulate-driver") {
    const dir = resolve(args[0]);
    return runSimulationDriver(dir, clusterStateAt(dir).kubeconfig);
  }
  if (verb === "kueue") {
    const dir = resolve(args[0]);
    const state = clusterStateAt(dir);
    const tools = readClusterTools(ROOT, ["kubectl", "kueue"]);
    return runLocalKueue({
      stateDir: dir,
      kubeconfig: state.kubeconfig,
      kubectl: tools.binaries.kubectl,
      kueue: tools.binaries.kueue,
      portOffset: state.portOffset,
    });
  }
  const { name, rest, command } = parseArgs(args);
  switch (verb) {
    case "up": {
      if (rest.length !== 1) throw new Error(`up takes one profile name, got ${rest.length}. ${USAGE}`);
      const overrides = process.env.CNAI_OVERRIDES ? readOverridesFile(process.env.CNAI_OVERRIDES) : undefined;
      const aborter = new AbortController();
      process.once("SIGINT", () => aborter.abort());
      process.once("SIGTERM", () => aborter.abort());
      const result = await up({
        root: ROOT,
        profile: rest[0],
        name,
        overrides,
        signal: aborter.signal,
        log: (line) => console.log(`local: ${line}`),
      });
      const flag = name === DEFAULT_NAME ? "" : ` --name ${name}`;
      console.log(
        `local: cluster "${name}" (profile ${rest[0]}) up in ${result.totalSeconds.toFixed(1)} s ` +
          `(API ready after ${result.apiReadySeconds.toFixed(1)} s): ${result.nodes.length} Ready node(s) ${result.nodes.join(", ")}\n` +
          `kubeconfig: ${result.state.kubeconfig}\n` +
          `  (its server, https://127.0.0.1, answers only inside the cluster's network namespace)\n` +
          `use it:   npm run local -- exec${flag} -- kubectl get nodes\n` +
          `stop it:  npm run local -- down${flag}`,
      );
      return 0;
    }
    case "down": {
      if (rest.length !== 0) throw new Error(`down takes no other argument than --name. ${USAGE}`);
      const stopped = await down(ROOT, name);
      console.log(
        `local: cluster "${name}" down; stopped ${stopped.length} process(es)${stopped.length ? `: ${stopped.join(", ")}` : ""}`,
      );
      return 0;
    }
    case "exec": {
      if (command.length === 0) throw new Error(`exec needs a command after --. ${USAGE}`);
      const state = clusterState(ROOT, name);
      const [file, ...commandArgs] = execCommand(state, command);
      const result = spawnSync(file, commandArgs, {
        stdio: "inherit",
        env: clusterEnv(state, readClusterTools(ROOT, [])),
      });
      if (result.error) throw result.error;
      return result.status ?? 1;
    }
    default:
      throw new Error(`unknown command "${verb ?? ""}". ${USAGE}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`local: ${error.message}`);
      process.exit(1);
    },
  );
}
