/**
 * The real-control-plane tier (scripts/local/verify.ts): apply, re-plan and destroy a profile on a
 * container-free API server, the way a user runs `cdktf deploy`. Needs root (a network namespace).
 *
 *   npm run verify:cluster -- <profile> [<profile>...] [--cycles N] [--force-failure] [--keep]
 *     --cycles N        apply, check, re-plan and destroy N times on the same cluster (default 1)
 *     --force-failure   make the first apply fail (Kueue not started yet), then prove a plain re-apply converges
 */
import { resolve } from "node:path";
import { summary, verifyCluster } from "./local/verify";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const keep = args.includes("--keep");
  const cyclesAt = args.indexOf("--cycles");
  const cycles = cyclesAt >= 0 ? Number(args[cyclesAt + 1]) : 1;
  if (!Number.isInteger(cycles) || cycles < 1)
    throw new Error(`--cycles takes a whole number ≥ 1, got "${args[cyclesAt + 1]}"`);
  const profiles = args.filter((a, i) => !a.startsWith("--") && (cyclesAt < 0 || i !== cyclesAt + 1));
  if (profiles.length === 0) throw new Error("usage: npm run verify:cluster -- <profile> [<profile>...] [--keep]");
  for (const profile of profiles) {
    console.log(`verify:cluster ${profile}`);
    const report = await verifyCluster({
      root: resolve(__dirname, ".."),
      profile,
      keep,
      cycles,
      forceFailure: args.includes("--force-failure"),
      log: (line) => console.log(`  ${line}`),
    });
    console.log(
      `verify:cluster ${profile}: passed\n${summary(report.phases)}\npeak memory of the tier: ${report.peakMemoryMiB} MiB`,
    );
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`verify:cluster: ${error.message}`);
    process.exit(1);
  },
);
