/**
 * The smoke check of a deployed profile: `npm run smoke -- <profile> [--context <kube-context>] [--timeout <seconds>]`.
 * What it checks comes from the profile (verify/smoke.ts); CNAI_OVERRIDES=<file> applies a fork's override, as synth does.
 * Exits 1 with one line per failure.
 */
import { spawnSync } from "node:child_process";
import { loadCheckedProfile } from "../platform/check";
import { readOverridesFile } from "../profiles/load";
import type { Runner } from "../verify/smoke";
import { parseSmokeArgs, runSmoke } from "../verify/smoke";

const run: Runner = (argv, stdin) => {
  const result = spawnSync(argv[0], argv.slice(1), { input: stdin, encoding: "utf8", timeout: 120_000 });
  if (result.error) return { status: 127, stdout: "", stderr: `${argv[0]}: ${result.error.message}` };
  return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
};

function main(): void {
  try {
    const args = parseSmokeArgs(process.argv.slice(2));
    const overridesFile = process.env.CNAI_OVERRIDES;
    const profile = loadCheckedProfile(args.profile, overridesFile ? readOverridesFile(overridesFile) : undefined);
    console.log(`smoke: profile ${profile.name}, kube context ${args.context ?? "(kubectl's current context)"}`);
    const failures = runSmoke(profile, run, {
      context: args.context,
      timeoutSeconds: args.timeoutSeconds,
      suffix: Date.now().toString(36),
      sleep: (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms),
      now: () => Date.now(),
      log: (line) => console.log(`smoke: ${line}`),
    });
    if (failures.length > 0) {
      console.error(`smoke: FAILED (${failures.length}):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
      process.exitCode = 1;
    } else console.log("smoke: passed");
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

main();
