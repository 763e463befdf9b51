import { Testing } from "cdk8s";
import { parse } from "yaml";
import type { MultiKueueManagerProps } from "../../charts/multikueue";
import {
  MULTIKUEUE_CONTROLLER_NAME,
  MULTIKUEUE_KUBECONFIG_KEY,
  MultiKueueManager,
  multiKueueKubeconfig,
  multiKueueWorkerRules,
} from "../../charts/multikueue";
import type { RenderedObject } from "../../verify/upstream";
import { crdFor, schemaProblems } from "../support/reference";

type Manifest = RenderedObject["object"] & { metadata: { name: string; namespace?: string } };

const MANAGER: MultiKueueManagerProps = {
  clusters: [
    { name: "gpu-east", kubeconfigSecret: "gpu-east-kubeconfig" },
    { name: "gpu-west", kubeconfigSecret: "gpu-west-kubeconfig" },
  ],
  configName: "workers",
  admissionCheckName: "multikueue",
};

function renderManager(props: MultiKueueManagerProps = MANAGER): Manifest[] {
  return Testing.synth(new MultiKueueManager(Testing.app(), "multikueue", props)) as Manifest[];
}

function workers(count: number): MultiKueueManagerProps["clusters"] {
  return Array.from({ length: count }, (_, i) => ({ name: `worker-${i}`, kubeconfigSecret: `worker-${i}-kubeconfig` }));
}

const READ = ["get", "list", "watch"];

const CLUSTER_WIDE_BASE = [
  { apiGroups: ["batch"], resources: ["jobs"], verbs: READ },
  { apiGroups: ["batch"], resources: ["jobs/status"], verbs: ["get"] },
  { apiGroups: [""], resources: ["pods"], verbs: READ },
  { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads"], verbs: READ },
  { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads/status"], verbs: ["get"] },
  { apiGroups: ["kueue.x-k8s.io"], resources: ["clusterqueues", "localqueues"], verbs: READ },
];
const CLUSTER_WIDE_RAY = [
  { apiGroups: ["ray.io"], resources: ["rayjobs", "rayclusters", "rayservices"], verbs: READ },
  { apiGroups: ["ray.io"], resources: ["rayjobs/status", "rayclusters/status", "rayservices/status"], verbs: ["get"] },
];
const PER_TEAM_BASE = [
  { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"] },
  { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads"], verbs: ["create", "delete", "update", "patch"] },
  { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads/status"], verbs: ["patch", "update"] },
];
const PER_TEAM_RAY = [
  { apiGroups: ["ray.io"], resources: ["rayjobs", "rayservices"], verbs: ["create", "delete"] },
  { apiGroups: ["ray.io"], resources: ["rayclusters"], verbs: ["create", "delete", "update", "patch"] },
];

describe("MultiKueueManager chart", () => {
  test("renders a MultiKueueCluster per worker, then the MultiKueueConfig and the AdmissionCheck, all v1beta2", () => {
    expect(renderManager()).toEqual([
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "MultiKueueCluster",
        metadata: { name: "gpu-east" },
        spec: { clusterSource: { kubeConfig: { locationType: "Secret", location: "gpu-east-kubeconfig" } } },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "MultiKueueCluster",
        metadata: { name: "gpu-west" },
        spec: { clusterSource: { kubeConfig: { locationType: "Secret", location: "gpu-west-kubeconfig" } } },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "MultiKueueConfig",
        metadata: { name: "workers" },
        spec: { clusters: ["gpu-east", "gpu-west"] },
      },
      {
        apiVersion: "kueue.x-k8s.io/v1beta2",
        kind: "AdmissionCheck",
        metadata: { name: "multikueue" },
        spec: {
          controllerName: "kueue.x-k8s.io/multikueue",
          parameters: { apiGroup: "kueue.x-k8s.io", kind: "MultiKueueConfig", name: "workers" },
        },
      },
    ]);
    expect(MULTIKUEUE_CONTROLLER_NAME).toEqual("kueue.x-k8s.io/multikueue");
  });

  test("the MultiKueueConfig keeps the workers in the given order, the dispatcher's preference order", () => {
    const clusters = [...MANAGER.clusters].reverse();
    const config = renderManager({ ...MANAGER, clusters }).find((m) => m.kind === "MultiKueueConfig");
    expect(config?.spec).toEqual({ clusters: ["gpu-west", "gpu-east"] });
  });

  test("every object validates against the pinned Kueue CRDs, with 1 and with 20 workers", () => {
    for (const clusters of [workers(1), workers(20)]) {
      const manifests = renderManager({ ...MANAGER, clusters });
      expect(manifests).toHaveLength(clusters.length + 2);
      for (const manifest of manifests) {
        const crd = crdFor(manifest.apiVersion, manifest.kind);
        expect(crd).toBeDefined();
        expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
      }
    }
  });

  test("the AdmissionCheck's parameters really are checked against the CRD's case-insensitive kind pattern", () => {
    const check = renderManager().find((m) => m.kind === "AdmissionCheck") as Manifest;
    const schema = crdFor(check.apiVersion, check.kind)?.schema ?? {};
    const withKind = (kind: string) => ({ ...check, spec: { ...(check.spec as object), parameters: { kind } } });
    expect(schemaProblems(withKind("multiKueueConfig-2"), schema).filter((p) => p.includes("kind"))).toEqual([]);
    expect(schemaProblems(withKind("Multi.Kueue"), schema).filter((p) => p.includes("kind"))).toEqual([
      'spec.parameters.kind: "Multi.Kueue" does not match ^(?i)[a-z]([-a-z0-9]*[a-z0-9])?$',
    ]);
  });

  test("rejects no worker and more than 20 workers (the MultiKueueConfig CRD's bounds)", () => {
    expect(() => renderManager({ ...MANAGER, clusters: [] })).toThrow(
      /MultiKueueManager: clusters has 0 worker clusters; a MultiKueueConfig takes 1 to 20, so give at least one/,
    );
    expect(() => renderManager({ ...MANAGER, clusters: workers(21) })).toThrow(
      /MultiKueueManager: clusters has 21 worker clusters; a MultiKueueConfig takes 1 to 20, so give at least one and split larger fleets/,
    );
  });

  test("rejects a worker listed twice", () => {
    const east = MANAGER.clusters[0];
    expect(() => renderManager({ ...MANAGER, clusters: [east, { ...east, kubeconfigSecret: "other" }] })).toThrow(
      /MultiKueueManager: cluster "gpu-east" appears twice; give each worker cluster a unique name/,
    );
  });

  test("rejects names that are not valid Kubernetes names", () => {
    expect(() => renderManager({ ...MANAGER, clusters: [{ name: "GPU_East", kubeconfigSecret: "s" }] })).toThrow(
      /cluster name "GPU_East" is not a DNS-1123 subdomain; use at most 253 lowercase letters/,
    );
    expect(() => renderManager({ ...MANAGER, clusters: [{ name: "a".repeat(254), kubeconfigSecret: "s" }] })).toThrow(
      /is not a DNS-1123 subdomain/,
    );
    expect(() =>
      renderManager({ ...MANAGER, clusters: [{ name: "gpu-east", kubeconfigSecret: "east/kubeconfig" }] }),
    ).toThrow(/kubeconfig Secret "east\/kubeconfig" of cluster "gpu-east" is not a DNS-1123 subdomain/);
    // The AdmissionCheck's `parameters.name` is a DNS-1123 label in the CRD: no dots, at most 63 characters.
    expect(() => renderManager({ ...MANAGER, configName: "workers.east" })).toThrow(
      /config name "workers.east" is not a DNS-1123 label; use at most 63 lowercase letters/,
    );
    expect(() => renderManager({ ...MANAGER, configName: "w".repeat(64) })).toThrow(/is not a DNS-1123 label/);
    expect(() => renderManager({ ...MANAGER, admissionCheckName: "-multikueue" })).toThrow(
      /admission check name "-multikueue" is not a DNS-1123 subdomain/,
    );
  });

  test("dotted cluster, Secret and admission check names are accepted (DNS-1123 subdomains)", () => {
    const manifests = renderManager({
      clusters: [{ name: "gpu.east", kubeconfigSecret: "gpu.east.kubeconfig" }],
      configName: "workers",
      admissionCheckName: "multikueue.gpu",
    });
    expect(manifests.map((m) => [m.kind, m.metadata.name])).toEqual([
      ["MultiKueueCluster", "gpu.east"],
      ["MultiKueueConfig", "workers"],
      ["AdmissionCheck", "multikueue.gpu"],
    ]);
  });
});

describe("multiKueueWorkerRules", () => {
  test("grant reads cluster-wide, where the manager's watches look, and Ray's when Ray is dispatched", () => {
    expect(multiKueueWorkerRules(false).clusterWide).toEqual(CLUSTER_WIDE_BASE);
    expect(multiKueueWorkerRules(true).clusterWide).toEqual([...CLUSTER_WIDE_BASE, ...CLUSTER_WIDE_RAY]);
  });

  test("grant writes only for binding in team namespaces", () => {
    expect(multiKueueWorkerRules(false).perTeamNamespace).toEqual(PER_TEAM_BASE);
    expect(multiKueueWorkerRules(true).perTeamNamespace).toEqual([...PER_TEAM_BASE, ...PER_TEAM_RAY]);
  });

  test("no cluster-wide rule can create, change or delete anything", () => {
    const verbs = multiKueueWorkerRules(true).clusterWide.flatMap((rule) => rule.verbs);
    expect([...new Set(verbs)].sort()).toEqual(["get", "list", "watch"]);
  });
});

describe("multiKueueKubeconfig", () => {
  const ARGS = {
    clusterName: "gpu-east",
    server: "https://10.0.0.1:6443",
    caData: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
    token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtdWx0aWt1ZXVlIn0.c2lnbmF0dXJl",
  };

  test("is a static-token kubeconfig with the CA inline, as Kueue's script writes it", () => {
    expect(parse(multiKueueKubeconfig(ARGS))).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "gpu-east",
          cluster: {
            server: "https://10.0.0.1:6443",
            "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
          },
        },
      ],
      contexts: [{ name: "gpu-east", context: { cluster: "gpu-east", user: "gpu-east-multikueue" } }],
      "current-context": "gpu-east",
      users: [
        {
          name: "gpu-east-multikueue",
          user: { token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtdWx0aWt1ZXVlIn0.c2lnbmF0dXJl" },
        },
      ],
    });
    expect(MULTIKUEUE_KUBECONFIG_KEY).toEqual("kubeconfig");
  });

  test("sets the context's namespace only when given", () => {
    const parsed = parse(multiKueueKubeconfig({ ...ARGS, namespace: "team-default" })) as {
      contexts: Array<{ context: unknown }>;
    };
    expect(parsed.contexts[0].context).toEqual({
      cluster: "gpu-east",
      user: "gpu-east-multikueue",
      namespace: "team-default",
    });
  });

  test("has nothing validateKubeconfig rejects: no exec, auth provider, files, basic auth or skipped TLS", () => {
    const text = multiKueueKubeconfig({ ...ARGS, namespace: "team-default" });
    for (const forbidden of [
      "exec",
      "auth-provider",
      "insecure-skip-tls-verify",
      "tokenFile",
      "token-file",
      "certificate-authority:",
      "username",
      "password",
    ]) {
      expect(text).not.toContain(forbidden);
    }
  });

  test("keeps cdktf token strings verbatim, double-quoted, one per line", () => {
    const tokens = {
      clusterName: "gpu-east",
      server: "${TfToken[TOKEN.12]}",
      caData: "${TfToken[TOKEN.13]}",
      token: "${TfToken[TOKEN.14]}",
    };
    const text = multiKueueKubeconfig(tokens);
    expect(text.split("\n").filter((line) => line.includes("TfToken"))).toEqual([
      '      server: "${TfToken[TOKEN.12]}"',
      '      certificate-authority-data: "${TfToken[TOKEN.13]}"',
      '      token: "${TfToken[TOKEN.14]}"',
    ]);
    const parsed = parse(text) as {
      clusters: Array<{ cluster: Record<string, string> }>;
      users: Array<{ user: Record<string, string> }>;
    };
    expect([parsed.clusters[0].cluster, parsed.users[0].user]).toEqual([
      { server: "${TfToken[TOKEN.12]}", "certificate-authority-data": "${TfToken[TOKEN.13]}" },
      { token: "${TfToken[TOKEN.14]}" },
    ]);
  });

  test("does not fold a long value, so a value substituted later stays inside its quotes", () => {
    const caData = "A".repeat(2000);
    const text = multiKueueKubeconfig({ ...ARGS, caData });
    expect(text).toContain(`      certificate-authority-data: "${caData}"\n`);
  });

  test("rejects an empty argument", () => {
    expect(() => multiKueueKubeconfig({ ...ARGS, server: "" })).toThrow(
      /multiKueueKubeconfig: server is empty; pass the worker cluster's server/,
    );
    expect(() => multiKueueKubeconfig({ ...ARGS, token: "" })).toThrow(/multiKueueKubeconfig: token is empty/);
  });
});
