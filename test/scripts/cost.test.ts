import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { FakePrometheus, vector } from "../support/fake-prometheus";

const ROOT = resolve(__dirname, "../..");
const TSX = resolve(ROOT, "node_modules/.bin/tsx");

/** Runs `npm run cost` as a child process (asynchronously: the fake Prometheus answers from this process). */
async function cost(args: string[], profile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ["scripts/cost.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, CNAI_PROFILE: profile },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npm run cost with --prometheus", () => {
  let fake: FakePrometheus;
  let url: string;

  beforeAll(async () => {
    fake = new FakePrometheus((query) =>
      vector(query.includes("kepler_pod_cpu_joules_total") ? { "team-applied": 720_000 } : {}),
    );
    url = await fake.start();
  });

  afterAll(() => fake.stop());

  test("prints the measured energy per team of the chosen profile", async () => {
    const run = await cost(["--prometheus", url, "--period", "12h"], "workstation-gpu");
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n").slice(-4)).toEqual([
      "| team | namespace | CPU kWh | GPU kWh | energy (kWh) | carbon (gCO2e) |",
      "|---|---|---|---|---|---|",
      "| applied | team-applied | 0.2000 | 0.0000 | 0.2000 | no intensity |",
      "| research | team-research | no data | no data | no data | no data |",
    ]);
    expect(fake.queries.map((q) => q.query?.match(/\[(\w+)\]\)\)$/)?.[1])).toEqual(["12h", "12h"]);
  }, 90_000);

  test("refuses a profile without Kepler, and several profiles at once", async () => {
    const eks = await cost(["--prometheus", url], "eks-gpu");
    expect([eks.code, eks.stderr.trim()]).toEqual([
      1,
      'npm run cost: eks-gpu runs no Kepler (components.kepler.lifecycle is "disabled"), so its Prometheus has no energy to report',
    ]);
    const all = await cost(["--prometheus", url], "all");
    expect([all.code, all.stderr.trim()]).toEqual([
      1,
      "npm run cost: --prometheus measures one cluster: choose its profile with CNAI_PROFILE, e.g. CNAI_PROFILE=cluster-gpu npm run cost -- --prometheus http://localhost:9090",
    ]);
  }, 90_000);
});
