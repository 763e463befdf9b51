/**
 * Synthesis benchmark: wall time and peak memory (max RSS) of synthesizing each profile in a fresh
 * process, the way `cdktf synth` runs the app. Several runs per profile; the median is reported.
 *   npm run bench            (BENCH_RUNS=5 by default)
 *   npm run bench -- simulate   (as root) the Kueue simulation at scale: 1,000 workloads, 20 teams, 100 GPU nodes
 *   npm run bench -- --cluster laptop [cluster-gpu ...]   (as root) the real-control-plane tier instead:
 *       per profile, control plane start, apply, re-plan, destroy and the tier's peak memory (one run each)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROFILES } from "../profiles/index";
import { loadCheckedProfile } from "../platform/check";
import { benchOverride, benchPlan } from "../verify/simulation/bench";
import { simulate } from "./local/simulate";
import { verifyCluster } from "./local/verify";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const root = resolve(__dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function clusterBench(profiles: readonly string[]): Promise<void> {
  console.log("profile\tcontrol plane s\tapply s\tre-plan s\tdestroy s\tpeak memory MiB");
  for (const profile of profiles) {
    const report = await verifyCluster({ root, profile });
    const seconds = (phase: string) => report.phases.find((p) => p.phase === phase)?.seconds.toFixed(1) ?? "-";
    console.log(
      [
        profile,
        seconds("control plane"),
        seconds("apply"),
        seconds("re-plan"),
        seconds("destroy"),
        report.peakMemoryMiB,
      ].join("\t"),
    );
  }
}

/** `npm run bench -- simulate`: the Kueue simulation at fleet scale (verify/simulation/bench.ts). */
async function simulationBench(): Promise<void> {
  const override = benchOverride();
  const profile = loadCheckedProfile("cluster-gpu", override);
  const plan = benchPlan(profile);
  const started = Date.now();
  const result = await simulate({
    root,
    profile: "cluster-gpu",
    overrides: override,
    plans: [plan],
    name: "bench-simulate",
    log: (line) => console.error(`bench: ${line}`),
  });
  const wall = (Date.now() - started) / 1000;
  const reservations = result.recording.observations.filter((o) => o.state?.quotaReserved).length;
  const simulation = result.timings["simulation 1"];
  const gpus = result.report.pools.reduce((sum, p) => sum + (p.resource === "cpu" ? 0 : p.capacity), 0);
  console.log(
    [
      `workloads\t${plan.workloads.length}`,
      `teams\t${profile.teams ? Object.keys(profile.teams).length : 0}`,
      `nodes\t${Object.values(profile.pools).reduce((sum, p) => sum + p.nodes, 0)}`,
      `GPU slots\t${gpus}`,
      `wall s\t${wall.toFixed(1)}`,
      ...Object.entries(result.timings).map(([phase, s]) => `${phase} s\t${s.toFixed(1)}`),
      `admissions (quota reservations)\t${reservations}`,
      `admissions per s\t${(reservations / simulation).toFixed(1)}`,
      `peak memory MiB\t${result.peakMemoryMiB}`,
      `stopped\t${result.report.stoppedBecause}`,
      `violations\t${result.report.violations.length}`,
      `transient overshoots\t${result.report.transients.length}`,
    ].join("\n"),
  );
}

const clusterAt = process.argv.indexOf("--cluster");
if (process.argv[2] === "simulate") {
  simulationBench().catch((error: Error) => {
    console.error(`bench: ${error.message}`);
    process.exitCode = 1;
  });
} else if (clusterAt >= 0) {
  clusterBench(process.argv.slice(clusterAt + 1)).catch((error: Error) => {
    console.error(`bench: ${error.message}`);
    process.exitCode = 1;
  });
} else synthBench();

function synthBench(): void {
  console.log(`profile\truns\tmedian wall s\tmedian peak RSS MB`);
  for (const profile of Object.keys(PROFILES)) {
    const walls: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const outdir = mkdtempSync(join(tmpdir(), "cnai-bench-"));
      const result = spawnSync(
        "/usr/bin/time",
        ["-f", "%e %M", process.execPath, join(root, "node_modules/tsx/dist/cli.mjs"), "stacks/main.ts"],
        {
          cwd: root,
          env: { ...process.env, CNAI_PROFILE: profile, CDKTF_OUTDIR: outdir },
          encoding: "utf8",
        },
      );
      rmSync(outdir, { recursive: true, force: true });
      if (result.status !== 0) throw new Error(`synth of ${profile} failed:\n${result.stderr}`);
      const [wall, maxRssKb] = result.stderr.trim().split("\n").pop()!.split(" ").map(Number);
      walls.push(wall);
      rss.push(maxRssKb / 1024);
    }
    console.log(`${profile}\t${runs}\t${median(walls).toFixed(2)}\t${median(rss).toFixed(0)}`);
  }
}
