import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { CHARTS } from "../../platform/versions";
import type { RunResult, StaticServer } from "../support/helm-repo";
import { indexRepository, isolatedEnv, packageChart, run, serve, toolsHelm, TSX } from "../support/helm-repo";

const ROOT = resolve(__dirname, "../..");

/**
 * A stand-in for `helm` that records its arguments and produces a tiny chart, so the script's
 * argument and layout logic runs here without any chart repository. `helm pull` of the chart named
 * in FAIL_PULL fails the way helm does.
 */
function fakeHelm(dir: string): string {
  const script = join(dir, "helm");
  writeFileSync(
    script,
    `#!/usr/bin/env bash
echo "$@" >> ${dir}/calls.log
if [ "$1" = pull ]; then
  ref="$2"; chart="\${ref##*/}"; while [ $# -gt 0 ]; do [ "$1" = --untardir ] && out="$2"; shift; done
  if [ "$chart" = "\${FAIL_PULL:-}" ]; then
    echo "Error: failed to fetch $ref : 404 Not Found" >&2; exit 1
  fi
  mkdir -p "$out/$chart/templates" "$out/$chart/charts/sub"
  if [ "$chart" = kserve-crd ]; then
    printf '{{ .Values.kserve.servingruntime.enabled }} {{ .Values.kserve.version }}' > "$out/$chart/templates/rt.yaml"
  else
    printf 'replicas: 1\\n' > "$out/$chart/values.yaml"
    printf 'sub: true\\n' > "$out/$chart/charts/sub/values.yaml"
  fi
elif [ "$1" = template ]; then
  printf 'apiVersion: apiextensions.k8s.io/v1\\nkind: CustomResourceDefinition\\nmetadata:\\n  name: things.example.com\\n---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n'
fi
`,
  );
  chmodSync(script, 0o755);
  return script;
}

const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

function fetchWithFakeHelm(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cnai-fetch-test-"));
  scratchDirs.push(dir);
  const out = join(dir, "upstream");
  const result = spawnSync(process.execPath, [TSX, "scripts/fetch-upstream.ts", "--out", out], {
    cwd: ROOT,
    env: isolatedEnv(dir, { HELM: fakeHelm(dir), ...env }),
    encoding: "utf8",
  });
  const pulls = () =>
    readFileSync(join(dir, "calls.log"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("pull"))
      .map((line) => line.replace(/ --untardir .*$/, ""));
  return { dir, out, result, pulls };
}

describe("fetch-upstream with a stand-in helm", () => {
  const { out, result, pulls } = fetchWithFakeHelm();

  test("it succeeds for every chart of the version table", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("it pulls each chart at its pinned version, OCI charts by reference and others through --repo", () => {
    expect(pulls()).toContain("pull oci://registry.k8s.io/kueue/charts/kueue --version 0.19.2 --untar");
    expect(pulls()).toContain("pull cert-manager --repo https://charts.jetstack.io --version v1.21.1 --untar");
    expect(pulls()).toHaveLength(Object.keys(CHARTS).length);
  });

  test("it writes the reference layout: values, subchart values, CRDs and referenced paths", () => {
    expect(readdirSync(join(out, "charts"))).toContain("kueue-0.19.2");
    expect(parse(readFileSync(join(out, "charts/kueue-0.19.2/values.yaml"), "utf8"))).toEqual({ replicas: 1 });
    expect(readFileSync(join(out, "charts/kueue-0.19.2/charts/sub/values.yaml"), "utf8")).toBe("sub: true\n");
    expect(readdirSync(join(out, "crds/kueue-0.19.2"))).toEqual(["things.example.com.yaml"]);
    expect(readFileSync(join(out, "charts/kserve-crd-v0.20.0/values-referenced.txt"), "utf8")).toBe(
      "kserve.servingruntime.enabled\nkserve.version\n",
    );
  });

  test("with CNAI_CHART_REPOSITORY it pulls every chart from that one repository by name and version", () => {
    const mirrored = fetchWithFakeHelm({ CNAI_CHART_REPOSITORY: "https://charts.example.org/mirror" });
    expect(mirrored.result.status).toBe(0);
    expect(mirrored.pulls()).toEqual(
      Object.values(CHARTS).map(
        (c) => `pull ${c.chart} --repo https://charts.example.org/mirror --version ${c.version} --untar`,
      ),
    );
  });

  test("with an oci:// CNAI_CHART_REPOSITORY it pulls every chart by reference from that registry", () => {
    const mirrored = fetchWithFakeHelm({ CNAI_CHART_REPOSITORY: "oci://registry.example.org/charts/" });
    expect(mirrored.result.status).toBe(0);
    expect(mirrored.pulls()).toEqual(
      Object.values(CHARTS).map(
        (c) => `pull oci://registry.example.org/charts/${c.chart} --version ${c.version} --untar`,
      ),
    );
  });

  test("a chart that cannot be pulled stops the run with one line naming the pull and helm's error", () => {
    const failed = fetchWithFakeHelm({ FAIL_PULL: "gpu-operator" });
    expect(failed.result.status).toBe(1);
    expect(failed.result.stdout).toBe(
      "cert-manager v1.21.1: values, 1 CRDs\nkube-prometheus-stack 88.5.3: values, 1 CRDs\n",
    );
    expect(failed.result.stderr).toBe(
      "fetch-upstream: helm pull gpu-operator --repo https://helm.ngc.nvidia.com/nvidia --version v26.7.0 failed: " +
        "Error: failed to fetch gpu-operator : 404 Not Found\n",
    );
    expect(failed.pulls()).toHaveLength(3);
  });

  test("a HELM that does not exist is named, with the fix", () => {
    const result = spawnSync(process.execPath, [TSX, "scripts/fetch-upstream.ts", "--out", "/nonexistent/out"], {
      cwd: ROOT,
      env: { ...process.env, HELM: "/nonexistent/helm" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `fetch-upstream: HELM is "/nonexistent/helm", which does not exist: run 'npm run tools' (scripts/tools.sh builds helm) or set HELM to a helm 3.8+ binary\n`,
    );
  });

  test("--key prints the cache key: the first 16 hex digits of the SHA-256 of the chart table and the script", () => {
    const result = spawnSync(process.execPath, [TSX, "scripts/fetch-upstream.ts", "--key"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    const expected = createHash("sha256")
      .update(JSON.stringify(CHARTS))
      .update(readFileSync(join(ROOT, "scripts/fetch-upstream.ts")))
      .digest("hex")
      .slice(0, 16);
    expect(result.stdout).toBe(`${expected}\n`);
  });
});

describe("fetch-upstream with the real helm and a chart mirror on 127.0.0.1", () => {
  const dir = mkdtempSync(join(tmpdir(), "cnai-fetch-mirror-"));
  const repo = join(dir, "repo");
  const out = join(dir, "upstream");
  const env = isolatedEnv(dir);
  let server: StaticServer | undefined;
  let result: RunResult;

  beforeAll(async () => {
    server = await serve(repo);
    await packageChart(
      join(dir, "src"),
      repo,
      { name: "kueue", version: "0.19.2", values: "replicas: 1\nsub:\n  enabled: true\n", crds: true, subchart: true },
      env,
    );
    await indexRepository(repo, env);
    result = await run(process.execPath, [TSX, "scripts/fetch-upstream.ts", "--out", out, "--chart", "kueue"], {
      env: { ...env, HELM: toolsHelm(), CNAI_CHART_REPOSITORY: server.url },
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("it pulls the pinned chart from the mirror and reports what it wrote", () => {
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("kueue 0.19.2: values, 2 CRDs\n");
    expect(result.status).toBe(0);
    expect(server?.requests).toEqual(["/index.yaml", "/kueue-0.19.2.tgz"]);
  });

  test("it writes the chart's values.yaml unchanged and its subchart's defaults", () => {
    expect(readdirSync(join(out, "charts"))).toEqual(["kueue-0.19.2"]);
    expect(readdirSync(join(out, "charts/kueue-0.19.2"))).toEqual(["charts", "values.yaml"]);
    expect(readFileSync(join(out, "charts/kueue-0.19.2/values.yaml"), "utf8")).toBe(
      "replicas: 1\nsub:\n  enabled: true\n",
    );
    expect(readdirSync(join(out, "charts/kueue-0.19.2/charts"))).toEqual(["sub"]);
    expect(readFileSync(join(out, "charts/kueue-0.19.2/charts/sub/values.yaml"), "utf8")).toBe("sub: true\n");
  });

  test("it writes the CRDs of crds/ and the templated ones, and no other object", () => {
    expect(readdirSync(out)).toEqual(["charts", "crds"]);
    expect(readdirSync(join(out, "crds"))).toEqual(["kueue-0.19.2"]);
    expect(readdirSync(join(out, "crds/kueue-0.19.2"))).toEqual([
      "gadgets.example.com.yaml",
      "widgets.example.com.yaml",
    ]);
    const gadgets = parse(readFileSync(join(out, "crds/kueue-0.19.2/gadgets.example.com.yaml"), "utf8")) as {
      metadata: { labels: Record<string, string> };
      spec: { group: string; names: { kind: string } };
    };
    expect(gadgets.metadata.labels).toEqual({ release: "kueue" });
    expect(gadgets.spec.names.kind).toBe("Gadget");
  });
});
