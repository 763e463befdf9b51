/**
 * The real-control-plane tier (scripts/local/verify.ts): apply, re-plan and destroy a profile on a
 * container-free API server, the way a user runs `cdktf deploy`. Needs root (a network namespace).
 *
 *   npm run verify:cluster -- <profile> [<profile>...] [--keep]
 */
import { resolve } from "node:path";
import { summary, verifyCluster } from "./local/verify";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const keep = args.includes("--keep");
  const profiles = args.filter((a) => !a.startsWith("--"));
  if (profiles.length === 0) throw new Error("usage: npm run verify:cluster -- <profile> [<profile>...] [--keep]");
  for (const profile of profiles) {
    console.log(`verify:cluster ${profile}`);
    const results = await verifyCluster({
      root: resolve(__dirname, ".."),
      profile,
      keep,
      log: (line) => console.log(`  ${line}`),
    });
    console.log(`verify:cluster ${profile}: passed\n${summary(results)}`);
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
