import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { CHARTS } from "../../platform/versions";

const ROOT = resolve(__dirname, "../..");

/**
 * A stand-in for `helm` that records its arguments and produces a tiny chart, so the script's
 * layout logic runs here without network access. Real pulls run in the users' CI workflow.
 */
function fakeHelm(dir: string): string {
  const script = join(dir, "helm");
  writeFileSync(
    script,
    `#!/usr/bin/env bash
echo "$@" >> ${dir}/calls.log
if [ "$1" = pull ]; then
  ref="$2"; chart="\${ref##*/}"; while [ $# -gt 0 ]; do [ "$1" = --untardir ] && out="$2"; shift; done
  mkdir -p "$out/$chart/templates" "$out/$chart/charts/sub"
  if [ "$chart" = kserve-runtime-configs ]; then
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

describe("fetch-upstream", () => {
  const dir = mkdtempSync(join(tmpdir(), "cnai-fetch-test-"));
  const helm = fakeHelm(dir);
  const out = join(dir, "upstream");
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "scripts/fetch-upstream.ts", "--out", out],
    {
      cwd: ROOT,
      env: { ...process.env, HELM: helm },
      encoding: "utf8",
    },
  );

  test("it succeeds for every chart of the version table", () => {
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  test("it pulls each chart at its pinned version, OCI charts by reference and others through --repo", () => {
    const calls = readFileSync(join(dir, "calls.log"), "utf8")
      .split("\n")
      .filter((line) => line.startsWith("pull"))
      .map((line) => line.replace(/ --untardir .*$/, ""));
    expect(calls).toContain("pull oci://registry.k8s.io/kueue/charts/kueue --version 0.19.2 --untar");
    expect(calls).toContain("pull cert-manager --repo https://charts.jetstack.io --version v1.21.1 --untar");
    expect(calls).toHaveLength(Object.keys(CHARTS).length);
  });

  test("it writes the reference layout: values, subchart values, CRDs and referenced paths", () => {
    expect(readdirSync(join(out, "charts"))).toContain("kueue-0.19.2");
    expect(parse(readFileSync(join(out, "charts/kueue-0.19.2/values.yaml"), "utf8"))).toEqual({ replicas: 1 });
    expect(readFileSync(join(out, "charts/kueue-0.19.2/charts/sub/values.yaml"), "utf8")).toBe("sub: true\n");
    expect(readdirSync(join(out, "crds/kueue-0.19.2"))).toEqual(["things.example.com.yaml"]);
    expect(readFileSync(join(out, "charts/kserve-runtime-configs-v0.20.0/values-referenced.txt"), "utf8")).toBe(
      "kserve.servingruntime.enabled\nkserve.version\n",
    );
  });
});
