/**
 * The upgrade on the real-control-plane tier (scripts/local/upgrade.ts): a platform deployed from an older ref,
 * upgraded to this tree, checked, re-planned and destroyed. Needs root (a network namespace).
 *
 *   npm run verify:upgrade -- <profile> --from <ref> [--keep]
 *     --from <ref>   a commit, a tag, a branch, or previous-release (the newest version commit before HEAD)
 *     --keep         keep the cluster up afterwards (for debugging)
 */
import { resolve } from "node:path";
import { summary } from "./local/verify";
import { verifyUpgrade } from "./local/upgrade";

const USAGE = "usage: npm run verify:upgrade -- <profile> --from <commit|tag|previous-release> [--keep]";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const fromAt = args.indexOf("--from");
  const from = fromAt >= 0 ? args[fromAt + 1] : undefined;
  if (from === undefined || from.startsWith("--"))
    throw new Error(`--from needs a git ref (e.g. --from previous-release); ${USAGE}`);
  const unknown = args.filter((a) => a.startsWith("--") && a !== "--from" && a !== "--keep");
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(", ")}; ${USAGE}`);
  const profiles = args.filter((a, i) => !a.startsWith("--") && i !== fromAt + 1);
  if (profiles.length !== 1) throw new Error(`give exactly one profile (got ${profiles.length}); ${USAGE}`);
  const [profile] = profiles;
  const started = Date.now();
  console.log(`verify:upgrade ${profile} --from ${from}`);
  const result = await verifyUpgrade({
    root: resolve(__dirname, ".."),
    profile,
    from,
    keep: args.includes("--keep"),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(
    [
      `verify:upgrade ${profile} --from ${from}: passed in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      summary(result.phases),
      "what changed:",
      ...result.lines.map((l) => `  ${l}`),
      `peak memory of the tier: ${result.peakMemoryMiB} MiB`,
      `report: ${result.reportFile}`,
    ].join("\n"),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`verify:upgrade: ${error.message}`);
    process.exit(1);
  },
);
