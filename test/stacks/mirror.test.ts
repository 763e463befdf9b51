import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildApp } from "../../stacks/app";
import { cleanUpLocalCharts } from "../../stacks/local-chart";
import { loadProfile } from "../../profiles/load";
import { mirrored } from "../../platform/versions";

const MIRROR = { mirror: { charts: "oci://harbor.example.com/cnai-charts", images: "harbor.example.com/proxy" } };

/** Synthesizes a profile with an override and returns each stack's cdk.tf.json text. */
function synth(name: string, override: unknown): Record<string, string> {
  const outdir = mkdtempSync(join(tmpdir(), "cnai-mirror-"));
  try {
    const { app } = buildApp({ profiles: [name], override, outdir });
    app.synth();
    const read = (stack: string) => readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
    return { cluster: read(`${name}-cluster`), platform: read(`${name}-platform`) };
  } finally {
    cleanUpLocalCharts();
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("an air-gapped profile's mirrors", () => {
  test("the chart mirror replaces every chart source, keeping chart names and versions", () => {
    const platform = JSON.parse(synth("laptop", MIRROR).platform);
    const upstream = Object.values(platform.resource.helm_release as Record<string, Record<string, string>>).filter(
      (r) => r.repository !== undefined,
    );
    expect(upstream.length).toBeGreaterThan(5);
    expect(new Set(upstream.map((r) => r.repository))).toEqual(new Set(["oci://harbor.example.com/cnai-charts"]));
    expect(upstream.find((r) => r.name === "kueue")).toMatchObject({ chart: "kueue", version: "0.19.2" });
  });

  test("the image mirror rewrites every image the distribution sets, the kind node image included", () => {
    const { cluster } = synth("laptop", MIRROR);
    expect(cluster).toContain('"harbor.example.com/proxy/docker.io/kindest/node:v1.35.0@sha256:');
    expect(cluster).not.toContain('"kindest/node');
  });

  test("an image keeps its registry as a path segment under the mirror, docker.io where it names none", () => {
    expect(mirrored("ghcr.io/mlflow/mlflow", "registry.example.com/mirror")).toBe(
      "registry.example.com/mirror/ghcr.io/mlflow/mlflow",
    );
    expect(mirrored("rayproject/ray", "registry.example.com:5000")).toBe(
      "registry.example.com:5000/docker.io/rayproject/ray",
    );
    expect(mirrored("registry.k8s.io/kubectl", undefined)).toBe("registry.k8s.io/kubectl");
  });

  test("a malformed mirror fails with the field, the value and the fix", () => {
    expect(() =>
      loadProfile("laptop", { mirror: { charts: "ftp://charts.example.com", images: "https://harbor.example.com" } }),
    ).toThrow(
      /mirror\.charts: got "ftp:\/\/charts\.example\.com"; a chart mirror: give a Helm repository URL \(https:\/\/charts\.example\.com\/cnai\) or an OCI registry prefix[\s\S]*mirror\.images: got "https:\/\/harbor\.example\.com"; an image mirror: give a registry host with an optional path and no scheme/,
    );
  });
});
