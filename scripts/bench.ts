/**
 * Synthesis benchmark: wall time and peak memory (max RSS) of synthesizing each profile in a fresh
 * process, the way `cdktf synth` runs the app. Several runs per profile; the median is reported.
 *   npm run bench            (BENCH_RUNS=5 by default)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROFILES } from "../profiles/index";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const root = resolve(__dirname, "..");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
