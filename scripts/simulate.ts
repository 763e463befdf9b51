/**
 * npm run simulate -- <profile> [--workload <file>] [--out <dir>] [--keep]
 *
 * Runs the profile's Kueue design against the real Kueue on a local control plane (scripts/local/simulate.ts)
 * and writes the report: text on stdout and in <out>/report.txt, machine-readable <out>/report.json, and one
 * SVG chart per pool and GPU resource (<out>/<pool>-<resource>.svg). <out> defaults to simulation.out/<profile>.
 * Needs root and the cluster tools (`npm run tools`), like `npm run local`.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { readOverridesFile } from "../profiles/load";
import { kubeRaySimulationHooks } from "./local/kuberay";
import { trainerSimulationHooks } from "./local/trainer";
import { simulate } from "./local/simulate";
import { writeSimulationOutputs } from "../verify/simulation/outputs";

const ROOT = resolve(__dirname, "..");
const USAGE = "usage: npm run simulate -- <profile> [--workload <file>] [--out <dir>] [--keep]";

export function parseSimulateArgs(args: readonly string[]): {
  profile: string;
  workload?: string;
  out?: string;
  keep: boolean;
} {
  let workload: string | undefined;
  let out: string | undefined;
  let keep = false;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--workload" || arg === "--out") {
      const value = args[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value. ${USAGE}`);
      if (arg === "--workload") workload = value;
      else out = value;
      i++;
    } else if (arg === "--keep") keep = true;
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}. ${USAGE}`);
    else rest.push(arg);
  }
  if (rest.length !== 1) throw new Error(`give exactly one profile, got ${rest.length}. ${USAGE}`);
  return { profile: rest[0], ...(workload ? { workload } : {}), ...(out ? { out } : {}), keep };
}

async function main(): Promise<void> {
  const args = parseSimulateArgs(process.argv.slice(2));
  const overrides = process.env.CNAI_OVERRIDES ? readOverridesFile(process.env.CNAI_OVERRIDES) : undefined;
  const result = await simulate({
    root: ROOT,
    profile: args.profile,
    workloadFile: args.workload ? resolve(args.workload) : undefined,
    overrides,
    keep: args.keep,
    log: (line) => console.error(`simulate: ${line}`),
    ...kubeRaySimulationHooks(ROOT),
    ...trainerSimulationHooks(ROOT),
  });
  const out = resolve(args.out ?? join(ROOT, "simulation.out", args.profile));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const text = writeSimulationOutputs(result.report, out);
  console.log(text);
  console.log(`\nWritten to ${out}: report.txt, report.json and the SVG charts. Logs: ${result.logDir}`);
  if (result.report.violations.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(`simulate: ${error.message}`);
    process.exit(1);
  });
}
