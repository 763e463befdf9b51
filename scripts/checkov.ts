/**
 * The checkov config scan over synthesized stacks (run by scripts/checkov.sh, `npm run verify:checkov`):
 *   npx tsx scripts/checkov.ts --checkov <checkov executable> <cdktf output dir>
 * Scans every stacks/<stack>/cdk.tf.json (a copy, see checkovReadyTfJson in verify/checkov.ts) and
 * every rendered manifest of our local charts, then checks each failed check against
 * verify/checkov-skips.yaml. Exits 1 on a new finding, a stale skip or an empty scan; 2 when checkov
 * could not run.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import type { CheckovReport, Finding, Framework } from "../verify/checkov";
import {
  CHECKOV_FRAMEWORK,
  checkovReadyTfJson,
  findingsOf,
  helmRenderedText,
  loadSkipList,
  manifestObjectCount,
  resourceLines,
  scanProblems,
  SKIP_LIST_PATH,
  triage,
} from "../verify/checkov";

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const checkovArg = argument("--checkov");
const outArg = process.argv.slice(2).filter((a, i, all) => a !== "--checkov" && all[i - 1] !== "--checkov")[0];
if (!checkovArg || !outArg) {
  console.error("Usage: npx tsx scripts/checkov.ts --checkov <checkov executable> <cdktf output dir>");
  process.exit(2);
}
const checkov: string = checkovArg;
const out = resolve(outArg);
const say = (line: string) => console.log(`checkov: ${line}`);
const secs = (start: number) => `${((performance.now() - start) / 1000).toFixed(1)} s`;

/** Runs checkov for one framework; resolves to its parsed `-o json` report. */
function runCheckov(framework: Framework, cwd: string, targets: string[]): Promise<CheckovReport> {
  const args = [
    ...targets,
    "--framework",
    CHECKOV_FRAMEWORK[framework],
    "--output",
    "json",
    "--quiet", // failed checks only; the summary still counts the passed ones
    "--compact",
    "--skip-download", // no policy metadata from the vendor's platform (this machine has no network for it)
  ];
  return new Promise((done, fail) => {
    const child = spawn(checkov, args, {
      cwd,
      // no update check against PyPI, no check-id mapping download
      env: { ...process.env, CKV_SKIP_PACKAGE_UPDATE_CHECK: "true", BC_SKIP_MAPPING: "true" },
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", fail);
    child.on("close", (code) => {
      const text = Buffer.concat(stdout).toString("utf8");
      const log = Buffer.concat(stderr).toString("utf8").trim();
      // checkov exits 1 when a check failed; anything else (or no JSON) means it did not run properly.
      let parsed: CheckovReport | CheckovReport[] | undefined;
      try {
        parsed = JSON.parse(text) as CheckovReport | CheckovReport[];
      } catch {
        parsed = undefined;
      }
      if ((code !== 0 && code !== 1) || parsed === undefined || Array.isArray(parsed)) {
        fail(new Error(`checkov --framework ${CHECKOV_FRAMEWORK[framework]} exited ${code}:\n${log || text}`));
        return;
      }
      if (log) console.error(log);
      done(parsed);
    });
  });
}

async function main(): Promise<number> {
  const skips = loadSkipList();
  const stacksDir = join(out, "stacks");
  const stacks = existsSync(stacksDir)
    ? readdirSync(stacksDir).filter((s) => existsSync(join(stacksDir, s, "cdk.tf.json")))
    : [];
  if (stacks.length === 0) {
    console.error(`checkov: no stacks in ${stacksDir}`);
    return 2;
  }

  // Terraform: scan copies that checkov can parse, laid out as stacks/<stack>/cdk.tf.json.
  const scanRoot = mkdtempSync(join(tmpdir(), "cnai-checkov-"));
  const addresses = new Map<string, Map<number, string>>();
  const removedFrom = new Map<string, string[]>();
  for (const stack of stacks) {
    const { text, removed } = checkovReadyTfJson(readFileSync(join(stacksDir, stack, "cdk.tf.json"), "utf8"));
    mkdirSync(join(scanRoot, "stacks", stack), { recursive: true });
    writeFileSync(join(scanRoot, "stacks", stack, "cdk.tf.json"), text);
    addresses.set(`/stacks/${stack}/cdk.tf.json`, resourceLines(text));
    for (const key of removed) removedFrom.set(key, [...(removedFrom.get(key) ?? []), stack]);
  }
  // Kubernetes: the rendered manifests of our local charts, as Helm renders them, at the same relative paths.
  const manifests = stacks.flatMap((stack) => {
    const assets = join(stacksDir, stack, "assets");
    if (!existsSync(assets)) return [];
    return readdirSync(assets)
      .filter((chart) => chart.startsWith("chart-"))
      .flatMap((chart) =>
        readdirSync(join(assets, chart)).map((hash) => join(assets, chart, hash, "templates", "manifests.yaml")),
      )
      .filter((file) => existsSync(file))
      .map((file) => relative(out, file));
  });
  const charts = new Set(manifests.map((file) => file.split("/")[3]));
  // Apart from the Terraform copies, which checkov scans as a directory.
  const manifestRoot = mkdtempSync(join(tmpdir(), "cnai-checkov-manifests-"));
  let objects = 0;
  for (const file of manifests) {
    const text = helmRenderedText(readFileSync(join(out, file), "utf8"));
    objects += manifestObjectCount(text);
    mkdirSync(join(manifestRoot, file, ".."), { recursive: true });
    writeFileSync(join(manifestRoot, file), text);
  }

  say(
    `${stacks.length} stacks (terraform_json), ${manifests.length} manifests of ${charts.size} local charts (kubernetes)`,
  );
  for (const [key, where] of removedFrom) {
    say(
      `${key} left out of the scanned copy of ${where.length} stack(s) (checkov cannot parse it, see verify/checkov.ts)`,
    );
  }

  const start = performance.now();
  let reports: Record<Framework, CheckovReport>;
  try {
    const [terraform, kubernetes] = await Promise.all([
      runCheckov("terraform", scanRoot, ["--directory", "."]),
      manifests.length > 0
        ? runCheckov("kubernetes", manifestRoot, ["--file", ...manifests])
        : Promise.resolve<CheckovReport>({ summary: { passed: 0, failed: 0, skipped: 0, parsing_errors: 0 } }),
    ]);
    reports = { terraform, kubernetes };
  } catch (error) {
    console.error(`checkov: ${(error as Error).message}`);
    return 2;
  } finally {
    rmSync(scanRoot, { recursive: true, force: true });
    rmSync(manifestRoot, { recursive: true, force: true });
  }
  say(`scanned in ${secs(start)}`);

  const problems: string[] = [];
  const fresh: Finding[] = [];
  for (const framework of ["terraform", "kubernetes"] as const) {
    const report = reports[framework];
    problems.push(...scanProblems(framework, report, framework === "kubernetes" ? objects : undefined));
    const findings = findingsOf(framework, report, framework === "terraform" ? addresses : undefined);
    const result = triage(findings, skips[framework]);
    const { passed, failed } = report.summary;
    say(
      `${framework}: ${passed} checks passed and ${failed} failed: ${result.skipped.length} of those skipped by the list, ${result.fresh.length} new`,
    );
    fresh.push(...result.fresh);
    for (const stale of result.unused) {
      problems.push(`${framework}: the skip "${stale}" matched no finding; remove it from the list`);
    }
  }

  const list = relative(process.cwd(), SKIP_LIST_PATH);
  for (const f of fresh) {
    console.log(`NEW ${f.checkId} ${f.resource} ${f.file.slice(1)}${f.line ? `:${f.line}` : ""} (${f.checkName})`);
  }
  for (const problem of problems) console.log(`FAIL ${problem}`);
  if (fresh.length > 0 || problems.length > 0) {
    say(
      `${fresh.length} new finding(s), ${problems.length} other problem(s). Fix the finding, or add a skip with a one-line reason to ${list}.`,
    );
    return 1;
  }
  say(`no new findings (skips: ${list})`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`checkov: ${(error as Error).message}`);
    process.exitCode = 2;
  },
);
