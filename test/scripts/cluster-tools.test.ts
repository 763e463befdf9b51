import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * scripts/cluster-tools.sh's checks, which all run before any build: a copy of the script and of
 * platform/versions.ts in a temporary checkout (<case>/repo, with no ../shared next to it) and an empty
 * tools cache of its own (<case>/tools). None of these cases reaches a Go build.
 */
const ROOT = resolve(__dirname, "../..");
const BASE = mkdtempSync(join(tmpdir(), "cnai-cluster-tools-test-"));
afterAll(() => rmSync(BASE, { recursive: true, force: true }));

const SNAPSHOTS = [
  "hashicorp_terraform-provider-helm_3.1.1.src.tar.gz",
  "hashicorp_terraform-provider-kubernetes_2.38.0.src.tar.gz",
  "hashicorp_terraform-provider-random_3.7.2.src.tar.gz",
  "tehcyx_terraform-provider-kind_0.11.0.src.tar.gz",
];

function checkout(name: string, versions = readFileSync(join(ROOT, "platform/versions.ts"), "utf8")): string {
  const repo = join(BASE, name, "repo");
  mkdirSync(join(repo, "scripts"), { recursive: true });
  mkdirSync(join(repo, "platform"), { recursive: true });
  copyFileSync(join(ROOT, "scripts/cluster-tools.sh"), join(repo, "scripts/cluster-tools.sh"));
  writeFileSync(join(repo, "platform/versions.ts"), versions);
  return repo;
}

function clusterTools(repo: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("CNAI_")),
  ) as NodeJS.ProcessEnv;
  const result = spawnSync("bash", [join(repo, "scripts/cluster-tools.sh")], {
    encoding: "utf8",
    env: { ...clean, CNAI_TOOLS_DIR: join(repo, "../tools"), ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("scripts/cluster-tools.sh", () => {
  test("refuses a Kueue version other than the kueue chart's in platform/versions.ts, and names the fix", () => {
    const versions = readFileSync(join(ROOT, "platform/versions.ts"), "utf8").replace(
      /(kueue: \{[^}]*version: )"0\.19\.2"/,
      '$1"0.20.0"',
    );
    const result = clusterTools(checkout("kueue", versions));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "tools: error: KUEUE_VERSION in scripts/cluster-tools.sh is v0.19.2, but the kueue chart in platform/versions.ts is 0.20.0: " +
        "the local Kueue manager must be the chart's version; set KUEUE_VERSION=v0.20.0\n",
    );
  });

  test("refuses a KubeRay version other than the kuberay-operator chart's in platform/versions.ts, and names the fix", () => {
    const versions = readFileSync(join(ROOT, "platform/versions.ts"), "utf8").replace(
      /("kuberay-operator": \{[^}]*version: )"1\.7\.0"/,
      '$1"1.8.0"',
    );
    const result = clusterTools(checkout("kuberay", versions));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "tools: error: KUBERAY_VERSION in scripts/cluster-tools.sh is v1.7.0, but the kuberay-operator chart in platform/versions.ts is 1.8.0: " +
        "the local KubeRay operator must be the chart's version; set KUBERAY_VERSION=v1.8.0\n",
    );
  });

  test("refuses JobSet and Trainer versions other than their charts' in platform/versions.ts, and names the fix", () => {
    const versions = readFileSync(join(ROOT, "platform/versions.ts"), "utf8")
      .replace(/(jobset: \{\s*kind: "chart",[^}]*version: )"0\.12\.0"/, '$1"0.13.0"')
      .replace(/("kubeflow-trainer": \{[^}]*version: )"2\.3\.0"/, '$1"2.4.0"');
    expect(clusterTools(checkout("jobset", versions)).stderr).toBe(
      "tools: error: JOBSET_VERSION in scripts/cluster-tools.sh is v0.12.0, but the jobset chart in platform/versions.ts is 0.13.0: " +
        "the local JobSet controller must be the chart's version; set JOBSET_VERSION=v0.13.0\n",
    );
    const trainer = versions.replace(/(jobset: \{\s*kind: "chart",[^}]*version: )"0\.13\.0"/, '$1"0.12.0"');
    expect(clusterTools(checkout("trainer", trainer)).stderr).toBe(
      "tools: error: TRAINER_VERSION in scripts/cluster-tools.sh is v2.3.0, but the kubeflow-trainer chart in platform/versions.ts is 2.4.0: " +
        "the local Kubeflow Trainer controller must be the chart's version; set TRAINER_VERSION=v2.4.0\n",
    );
  });

  test("refuses a real provider that platform/versions.ts does not pin", () => {
    const versions = readFileSync(join(ROOT, "platform/versions.ts"), "utf8").replace(
      'source: "hashicorp/random", version: "3.7.2"',
      'source: "hashicorp/random", version: "3.8.0"',
    );
    const result = clusterTools(checkout("provider", versions));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^tools: error: REAL_PROVIDERS in scripts\/cluster-tools\.sh names hashicorp\/random\/3\.7\.2, which platform\/versions\.ts does not pin \(.*hashicorp\/random\/3\.8\.0.*\); update REAL_PROVIDERS\n$/,
    );
  });

  test("without provider sources, says where they go and that a plain tofu init gets the real providers", () => {
    const repo = checkout("no-sources");
    const result = clusterTools(repo);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "tools: error: no provider source snapshots for the real providers. Either set CNAI_PROVIDER_SOURCES=<dir> holding\n" +
        `  ${SNAPSHOTS.join(" ")}\n`,
    );
    expect(result.stderr).toContain(`them in ${join(BASE, "no-sources/shared/offline/providers")}.`);
    expect(result.stderr).toMatch(/a plain `tofu init` without TF_CLI_CONFIG_FILE\s+downloads the real providers/);
    expect(result.stderr).toMatch(/CNAI_SKIP_REAL_PROVIDERS=1\.\n$/);
  });

  test("refuses a snapshot whose checksum does not match SHA256SUMS", () => {
    const repo = checkout("bad-sum");
    const sources = join(BASE, "bad-sum/sources");
    mkdirSync(sources);
    const sums = SNAPSHOTS.map((file) => {
      writeFileSync(join(sources, file), file);
      const sum = createHash("sha256")
        .update(file.startsWith("tehcyx") ? "tampered" : file)
        .digest("hex");
      return `${sum}  ${file}\n`;
    });
    writeFileSync(join(sources, "SHA256SUMS"), sums.join(""));
    const result = clusterTools(repo, { CNAI_PROVIDER_SOURCES: sources });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `tools: error: ${sources}/tehcyx_terraform-provider-kind_0.11.0.src.tar.gz does not match its checksum in ${sources}/SHA256SUMS: fetch it again\n`,
    );
  });

  test("CNAI_SKIP_CLUSTER_TOOLS=1 builds nothing and removes the record, so the cluster tests know they were skipped", () => {
    const repo = checkout("skip");
    mkdirSync(join(repo, ".tools"));
    writeFileSync(join(repo, ".tools/cluster-tools.json"), "{}");
    const result = clusterTools(repo, { CNAI_SKIP_CLUSTER_TOOLS: "1" });
    expect(result).toEqual({
      status: 0,
      stdout: "tools: cluster tools: skipped (CNAI_SKIP_CLUSTER_TOOLS=1); npm run local and its tests need them\n",
      stderr: "",
    });
    expect(existsSync(join(repo, ".tools/cluster-tools.json"))).toBe(false);
  });
});
