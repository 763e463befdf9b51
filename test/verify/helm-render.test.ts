import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chartArchive, isPinnedSource } from "../../verify/charts";
import { kubeVersionOf, renderStack, stackReleases } from "../../verify/helm-render";
import { loadProfile } from "../../profiles/load";
import { rendered } from "../support/rendered";

const ROOT = resolve(__dirname, "../..");

/** A synthesized-stack folder holding local charts only: the render's input, without cdktf. */
function stackWith(releases: Record<string, { template: string; values?: string[]; depends_on?: string[] }>): string {
  const dir = mkdtempSync(join(tmpdir(), "cnai-render-test-"));
  const resource: Record<string, unknown> = {};
  for (const [name, release] of Object.entries(releases)) {
    mkdirSync(join(dir, "assets", name, "templates"), { recursive: true });
    writeFileSync(join(dir, "assets", name, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
    writeFileSync(join(dir, "assets", name, "templates", "t.yaml"), release.template);
    resource[name] = {
      name,
      namespace: "ns",
      chart: `assets/${name}`,
      values: release.values,
      depends_on: release.depends_on,
    };
  }
  writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify({ resource: { helm_release: resource } }));
  return dir;
}

describe("the Helm render", () => {
  test("renders every release of laptop-platform, upstream and local, in dependency order", () => {
    const [stack] = rendered("laptop");
    const names = stack.releases.map((r) => r.name);
    expect(names.indexOf("kueue")).toBeLessThan(names.indexOf("kueue-webhook-ready"));
    expect(names.indexOf("kueue-webhook-ready")).toBeLessThan(names.indexOf("kueue-queues"));
    expect(stack.releases.find((r) => r.name === "kueue")?.chart).toBe("kueue 0.19.2");
    expect(stack.releases.every((r) => r.objects.length > 0)).toBe(true);
  });

  test("renders CRDs, and later releases see their API versions as the cluster would", () => {
    const [stack] = rendered("laptop");
    const crds = stack.releases.find((r) => r.name === "kube-prometheus-stack")?.objects;
    expect(
      crds?.some(
        (o) => o.kind === "CustomResourceDefinition" && o.metadata.name === "prometheuses.monitoring.coreos.com",
      ),
    ).toBe(true);
    // kuberay-operator renders its ServiceMonitor only when monitoring.coreos.com/v1 is served.
    expect(
      stack.releases.find((r) => r.name === "kuberay-operator")?.objects.some((o) => o.kind === "ServiceMonitor"),
    ).toBe(true);
  });

  test("renders at the cluster's Kubernetes version: kind's node image, a cloud profile's kubernetesVersion", () => {
    expect(kubeVersionOf(loadProfile("laptop"))).toBe("1.35.0");
    expect(kubeVersionOf(loadProfile("eks-gpu", { cluster: { kubernetesVersion: "1.34" } }))).toBe("1.34.0");
  });

  test("passes the values documents in order and orders releases by depends_on", () => {
    const dir = stackWith({
      b: {
        template: "kind: ConfigMap\napiVersion: v1\nmetadata: {name: b, annotations: {x: '{{ .Values.x }}'}}\n",
        values: ["x: 1\n", "x: 2\n"],
        depends_on: ["helm_release.a"],
      },
      a: { template: "kind: ConfigMap\napiVersion: v1\nmetadata: {name: a}\n" },
    });
    try {
      const releases = renderStack(dir, { root: ROOT, kubeVersion: "1.35.0" });
      expect(releases.map((r) => [r.name, r.objects[0].metadata.annotations?.x])).toEqual([
        ["a", undefined],
        ["b", "2"],
      ]);
      expect(stackReleases(dir).map((r) => r.id)).toEqual(["a", "b"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a template error fails with the release and Helm's message", () => {
    const dir = stackWith({ broken: { template: "{{ .Values.missing.key }}\n" } });
    try {
      expect(() => renderStack(dir, { root: ROOT, kubeVersion: "1.35.0" })).toThrow(
        /helm template of release broken \(local chart\) failed: .*nil pointer evaluating interface \{\}\.key/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a pinned public chart comes from the stand-in; a profile's own mirror is taken as given", () => {
    expect(isPinnedSource("oci://registry.k8s.io/kueue/charts", "kueue", "0.19.2")).toBe(true);
    expect(isPinnedSource("https://charts.example.com", "kueue", "0.19.2")).toBe(false);
    // An older checkout's table (verify:upgrade): its pins come from the stand-in too.
    const older = {
      kind: "chart",
      repository: "https://qdrant.github.io/qdrant-helm",
      chart: "qdrant",
      version: "1.18.9",
      source: "x",
    } as const;
    expect(isPinnedSource(older.repository, "qdrant", "1.18.9")).toBe(false);
    expect(isPinnedSource(older.repository, "qdrant", "1.18.9", [older])).toBe(true);
    const standIn = mkdtempSync(join(tmpdir(), "cnai-standin-"));
    const previous = process.env.CNAI_CHART_REPOSITORY;
    try {
      writeFileSync(
        join(standIn, "index.yaml"),
        "apiVersion: v1\nentries:\n  kueue:\n    - version: 0.19.1\n      urls: [kueue-0.19.1.tgz]\n",
      );
      process.env.CNAI_CHART_REPOSITORY = standIn;
      expect(() => chartArchive(ROOT, "oci://registry.k8s.io/kueue/charts", "kueue", "0.19.2")).toThrow(
        /chart kueue 0\.19\.2 is not in .*index\.yaml \(versions there: 0\.19\.1\): add it to the mirror/,
      );
      process.env.CNAI_CHART_REPOSITORY = join(standIn, "nowhere");
      expect(() => chartArchive(ROOT, "oci://registry.k8s.io/kueue/charts", "kueue", "0.19.2")).toThrow(
        /CNAI_CHART_REPOSITORY is ".*nowhere", which is neither a Helm repository URL .* nor a folder with an index\.yaml/,
      );
    } finally {
      if (previous === undefined) delete process.env.CNAI_CHART_REPOSITORY;
      else process.env.CNAI_CHART_REPOSITORY = previous;
      rmSync(standIn, { recursive: true, force: true });
    }
  });
});
