/**
 * Synthesis benchmark: wall time and peak memory (max RSS) of synthesizing each profile in a fresh
 * process, the way `cdktf synth` runs the app. Several runs per profile; the median is reported.
 *   npm run bench            (BENCH_RUNS=5 by default)
 *   npm run bench -- --cluster laptop [cluster-gpu ...]   (as root) the real-control-plane tier instead:
 *       per profile, control plane start, apply, re-plan, destroy and the tier's peak memory (one run each)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROFILES } from "../profiles/index";
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

const clusterAt = process.argv.indexOf("--cluster");
if (clusterAt >= 0) {
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
