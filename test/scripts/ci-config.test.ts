import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse } from "yaml";
import { CHARTS, IMAGES } from "../../platform/versions";

const ROOT = resolve(__dirname, "../..");
const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");

describe("the users' CI configuration", () => {
  const workflow = parse(read(".github/workflows/ci.yml")) as {
    on: Record<string, unknown>;
    jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }>;
  };
  const runs = (job: string) => workflow.jobs[job].steps.map((s) => s.run ?? "").join("\n");
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

  test("runs on every pull request", () => {
    expect(Object.keys(workflow.on)).toContain("pull_request");
  });

  test("calls the same npm scripts and tool script that run here, and only scripts that exist", () => {
    const test = runs("test");
    for (const command of [
      "bash scripts/tools.sh",
      "npm ci",
      "npm test",
      "npm run verify:tofu",
      "npm run verify:upstream",
      "npm run verify:checkov",
    ]) {
      expect(test).toContain(command);
    }
    for (const match of `${test}\n${runs("kind")}\n${runs("upgrade")}`.matchAll(/npm run ([\w:-]+)/g))
      expect(Object.keys(scripts)).toContain(match[1]);
    expect(read(".ci/run")).toContain("npm test");
    expect(read(".ci/run")).toContain("npm run verify:checkov");
    // CI never skips the cluster tools or the real providers, so their tests always run there.
    expect(read(".ci/run")).toContain("unset CNAI_SKIP_CLUSTER_TOOLS CNAI_SKIP_REAL_PROVIDERS");
    expect(read(".ci/run")).toContain("npm run verify:cluster -- laptop --force-failure --cycles 3");
  });

  test("leaves the choice of reference data to the tools step: no reference folder is named", () => {
    const steps = workflow.jobs.test.steps.map((step) => JSON.stringify(step)).join("\n");
    for (const text of [steps, read(".ci/run")]) {
      expect(text).not.toMatch(/--dir|CNAI_REFERENCE_DIR|shared\/reference/);
    }
    expect(scripts.pretest).toBe("bash scripts/tools.sh");
    expect(read("scripts/tools.sh")).toContain('bash "$REPO/scripts/reference.sh"');
  });

  test("deploys, checks and destroys the laptop profile on kind", () => {
    const kind = runs("kind");
    expect(kind).toContain("cdktf deploy laptop-cluster");
    expect(kind).toContain("cdktf deploy laptop-platform");
    expect(kind).toContain("cdktf destroy laptop-platform laptop-cluster");
  });

  test("the smoke check is the script that derives its queues from the profile: no queue name is written here", () => {
    const kind = runs("kind");
    expect(kind).toContain("npm run smoke -- laptop --context kind-cnai-laptop");
    expect(kind).not.toMatch(/\b(clusterqueue|localqueue)\b/i);
    expect(kind.indexOf("npm run smoke")).toBeLessThan(kind.indexOf("cdktf destroy"));
    expect(scripts.smoke).toBe("tsx scripts/smoke.ts");
  });

  test("checks out the whole history where releases are read, and checks the fork's own files", () => {
    for (const job of ["test", "upgrade"]) {
      expect(workflow.jobs[job].steps[0]).toEqual({ uses: "actions/checkout@v4", with: { "fetch-depth": 0 } });
    }
    expect(runs("test")).toContain("npm run check:profiles");
  });

  test("Renovate's pull requests upgrade the previous release's running platform, as .ci/run does", () => {
    const job = workflow.jobs.upgrade as { if?: string; steps: Array<{ run?: string }> };
    expect(job.if).toBe("github.event_name == 'pull_request' && startsWith(github.head_ref, 'renovate/')");
    expect(runs("upgrade")).toContain("npm run verify:upgrade -- laptop --from previous-release");
    // A runner has no ../shared: the real providers' sources come from their release tags, named as cluster-tools.sh wants.
    const upgrade = runs("upgrade");
    expect(upgrade).toContain("/^REAL_PROVIDERS=(/,/^)/p");
    expect(upgrade).toContain('"$dir/${ns}_terraform-provider-${type}_${version}.src.tar.gz"');
    expect(upgrade.indexOf("CNAI_PROVIDER_SOURCES=$dir")).toBeLessThan(upgrade.indexOf("bash scripts/tools.sh"));
    expect(read("scripts/cluster-tools.sh")).toMatch(/^REAL_PROVIDERS=\(\n( {2}[a-z]+\/[a-z]+\/[0-9.]+\n)+\)$/m);
    expect(read(".ci/run")).toContain("npm run verify:upgrade -- laptop --from previous-release");
  });

  test("every action is pinned to a version", () => {
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/@v\d+/);
    }
  });
});

describe("the Renovate configuration", () => {
  const config = JSON.parse(read("renovate.json")) as { customManagers: Array<{ matchStrings: string[] }> };
  const versions = read("platform/versions.ts");
  const matches = config.customManagers.flatMap((m) =>
    m.matchStrings.flatMap((pattern) => [...versions.matchAll(new RegExp(pattern, "g"))].map((x) => x.groups ?? {})),
  );

  test("proposes bumps for every chart of the version table", () => {
    const charts = matches.filter((g) => g.depName || g.chart).map((g) => `${g.chart ?? g.depName}@${g.currentValue}`);
    for (const chart of Object.values(CHARTS)) expect(charts).toContain(`${chart.chart}@${chart.version}`);
  });

  test("proposes bumps for every image of the version table, keeping digests", () => {
    for (const image of Object.values(IMAGES)) {
      const [tag, digest] = image.tag.split("@");
      expect(matches).toContainEqual(
        expect.objectContaining({ depName: image.repository, currentValue: tag, currentDigest: digest }),
      );
    }
  });
});
