import { renderLocal } from "../../support/render";
import { teamNamespaceLabels } from "../../../charts/team-tenancy";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease, Step, UpstreamRelease, WebhookGate } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { KSERVE_S3_SERVICE_ACCOUNT, kserve, kserveS3Settings } from "../../../platform/components/kserve";
import { crdFor, schemaProblems, unknownValuePaths } from "../../support/reference";

const EXTERNAL_STORE = {
  components: { "object-store": { lifecycle: "external" } },
  external: {
    objectStore: { endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", credentialsSecret: "team-s3" },
  },
};

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; secrets?: unknown };

function stepsFor(override?: unknown, profileName = "laptop"): readonly Step[] {
  return kserve.steps(contextFor(loadProfile(profileName, override)));
}

/** Renders the storage release the way the platform stack does: every chart it adds to one app. */
function storageManifests(steps: readonly Step[]): Manifest[] {
  const local = steps.find((s): s is LocalRelease => s.name === "kserve-storage") as LocalRelease;
  return renderLocal(local, local.name);
}

function teamNamespace(name: string) {
  return { name, labels: { ...teamNamespaceLabels("v1.35"), "managed-by-kueue": "true" } };
}

/** A team's own two S3 Secrets: read-write keys for its jobs, read-only keys for serving. */
function teamKeys(namespace: string) {
  const data = { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" };
  return [
    { name: "object-store-credentials", namespace, credential: `object-store-${namespace}`, data },
    { name: "object-store-serving-credentials", namespace, credential: `object-store-${namespace}-serving`, data },
  ];
}

function upstream(steps: readonly Step[], name: string): UpstreamRelease {
  return steps.find((s): s is UpstreamRelease => s.kind === "upstream" && s.name === name) as UpstreamRelease;
}

function valueAt(values: unknown, dotted: string): unknown {
  return dotted.split(".").reduce<unknown>((current, key) => (current as Record<string, unknown>)?.[key], values);
}

describe("kserve component", () => {
  test("needs cert-manager and uses the object store, KEDA, the OpenTelemetry Operator and observability when available", () => {
    expect(kserve.dependencies(loadProfile("laptop")).map((d) => [d.id, d.optional ?? false])).toEqual([
      ["cert-manager", false],
      ["object-store", true],
      ["keda", true],
      ["opentelemetry-operator", true],
      ["observability", true],
    ]);
  });

  test("creates the kserve namespace and every team namespace, whether or not Kueue is enabled", () => {
    expect(kserve.namespaces(contextFor(loadProfile("laptop")))).toEqual([
      { name: "kserve" },
      teamNamespace("team-default"),
    ]);
    const withoutKueue = loadProfile("laptop", { components: { kueue: { lifecycle: "disabled" } } });
    expect(kserve.namespaces(contextFor(withoutKueue))).toEqual([{ name: "kserve" }, teamNamespace("team-default")]);
    expect(kserve.namespaces(contextFor(loadProfile("workstation-gpu")))).toEqual([
      { name: "kserve" },
      teamNamespace("team-applied"),
      teamNamespace("team-research"),
    ]);
  });

  test("installs CRDs, controller, webhook gate, runtimes, then the teams' storage ServiceAccounts", () => {
    expect(stepsFor().map((s) => [s.kind, s.name, s.namespace, s.after ?? []])).toEqual([
      ["upstream", "kserve-crd", "kserve", []],
      ["upstream", "kserve-resources", "kserve", ["kserve-crd"]],
      ["gate", "kserve-webhook-ready", "kserve", ["kserve-resources"]],
      ["local", "kserve-runtimes", "kserve", ["kserve-webhook-ready"]],
      ["local", "kserve-storage", "kserve", []],
    ]);
    expect(
      stepsFor()
        .filter((s) => s.kind === "upstream" && s.primary)
        .map((s) => s.name),
    ).toEqual(["kserve-resources"]);
  });

  test("runs kserve-resources in Standard mode with laptop resources and the managed object store", () => {
    const release = upstream(stepsFor(), "kserve-resources");
    expect(release.chart).toBe("kserve-resources");
    expect(release.values).toEqual({
      kserve: {
        controller: {
          deploymentMode: "Standard",
          gateway: { disableIngressCreation: true },
          resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } },
          rbacProxy: {
            resources: { requests: { cpu: "5m", memory: "16Mi" }, limits: { cpu: "50m", memory: "64Mi" } },
          },
        },
        inferenceservice: {
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        },
        storage: {
          resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          s3: {
            endpoint: "seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
            useHttps: "0",
            region: "us-east-1",
          },
        },
      },
    });
  });

  test("splits an external https endpoint into host and useHttps", () => {
    expect(kserveS3Settings(loadProfile("laptop", EXTERNAL_STORE))).toEqual({
      endpoint: "s3.eu-west-1.amazonaws.com",
      useHttps: "1",
      region: "eu-west-1",
    });
  });

  test("leaves S3 unset and renders no storage ServiceAccount without an object store", () => {
    const steps = stepsFor({ components: { "object-store": { lifecycle: "disabled" } } });
    expect(valueAt(upstream(steps, "kserve-resources").values, "kserve.storage")).toEqual({
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    });
    expect(steps.map((s) => s.name)).not.toContain("kserve-storage");
  });

  test("installs only the four runtimes it uses, each with a pinned image and the restricted context", () => {
    const release = stepsFor().find((s) => s.name === "kserve-runtimes") as LocalRelease;
    const runtimes = renderLocal(release);
    expect(runtimes.map((r) => [r.kind, r.metadata.name, r.spec.containers[0].image])).toEqual([
      ["ClusterServingRuntime", "kserve-sklearnserver", "kserve/sklearnserver:v0.20.0"],
      ["ClusterServingRuntime", "kserve-xgbserver", "kserve/xgbserver:v0.20.0"],
      ["ClusterServingRuntime", "kserve-lgbserver", "kserve/lgbserver:v0.20.0"],
      ["ClusterServingRuntime", "kserve-huggingfaceserver", "kserve/huggingfaceserver:v0.20.0"],
    ]);
    expect(runtimes[0].spec).toEqual({
      annotations: { "prometheus.kserve.io/path": "/metrics", "prometheus.kserve.io/port": "8080" },
      supportedModelFormats: [{ name: "sklearn", version: "1", autoSelect: true, priority: 1 }],
      protocolVersions: ["v1", "v2"],
      containers: [
        {
          name: "kserve-container",
          image: "kserve/sklearnserver:v0.20.0",
          args: ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"],
          resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
          securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
        },
      ],
    });
    expect(runtimes[3].spec.volumes).toEqual([{ name: "devshm", emptyDir: { medium: "Memory" } }]);
  });

  test("pulls the runtimes through the profile's image mirror", () => {
    const release = stepsFor({ mirror: { images: "registry.example.com/mirror" } }).find(
      (s) => s.name === "kserve-runtimes",
    ) as LocalRelease;
    expect(renderLocal(release)[0].spec.containers[0].image).toBe(
      "registry.example.com/mirror/docker.io/kserve/sklearnserver:v0.20.0",
    );
  });

  test("sets only values keys the pinned charts know", () => {
    for (const override of [undefined, EXTERNAL_STORE]) {
      const steps = stepsFor(override);
      expect(unknownValuePaths("kserve-crd", upstream(steps, "kserve-crd").values)).toEqual([]);
      expect(unknownValuePaths("kserve-resources", upstream(steps, "kserve-resources").values)).toEqual([]);
    }
  });

  test("gives every declared workload requests and limits", () => {
    const release = upstream(stepsFor(), "kserve-resources");
    expect(valueAt(release.values, "kserve.storage.resources")).toEqual({
      requests: { cpu: "50m", memory: "64Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
  });

  test("gates the runtimes on a ClusterServingRuntime dry-run, valid against the pinned CRD", () => {
    const gate = stepsFor().find((s): s is WebhookGate => s.kind === "gate") as WebhookGate;
    expect(gate).toEqual({
      kind: "gate",
      name: "kserve-webhook-ready",
      namespace: "kserve",
      after: ["kserve-resources"],
      probe: {
        apiVersion: "serving.kserve.io/v1alpha1",
        kind: "ClusterServingRuntime",
        metadata: { name: "kserve-webhook-probe" },
        spec: {
          supportedModelFormats: [{ name: "sklearn" }],
          containers: [{ name: "kserve-container", image: "kserve/sklearnserver" }],
        },
      },
      resource: "clusterservingruntimes",
    });
    const crd = crdFor(gate.probe.apiVersion, gate.probe.kind);
    expect(crd).toBeDefined();
    expect(schemaProblems(gate.probe, crd?.schema ?? {})).toEqual([]);
  });

  test("renders the team's ServiceAccount listing the team's read-only S3 credentials", () => {
    expect(KSERVE_S3_SERVICE_ACCOUNT).toBe("kserve-s3");
    expect(storageManifests(stepsFor())).toEqual([
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "kserve-s3", namespace: "team-default" },
        secrets: [{ name: "object-store-serving-credentials" }],
      },
    ]);
  });

  test("renders the storage ServiceAccount in every team namespace", () => {
    expect(storageManifests(stepsFor(undefined, "cluster-gpu"))).toEqual(
      ["team-research", "team-serving", "team-training"].map((namespace) => ({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "kserve-s3", namespace },
        secrets: [{ name: "object-store-serving-credentials" }],
      })),
    );
  });

  test("renders no storage release when the profile has no teams", () => {
    const profile = loadProfile("laptop");
    const steps = kserve.steps(contextFor({ ...profile, teams: {} }));
    expect(steps.map((s) => s.name)).toEqual([
      "kserve-crd",
      "kserve-resources",
      "kserve-webhook-ready",
      "kserve-runtimes",
    ]);
  });

  test("gives every team its own S3 keys for the managed store only", () => {
    expect(
      kserve.secrets?.(contextFor(loadProfile("laptop", { teams: { default: { namespace: "ml-team" } } }))),
    ).toEqual(teamKeys("ml-team"));
    expect(kserve.secrets?.(contextFor(loadProfile("workstation-gpu")))).toEqual([
      ...teamKeys("team-applied"),
      ...teamKeys("team-research"),
    ]);
    expect(kserve.secrets?.(contextFor(loadProfile("laptop", EXTERNAL_STORE)))).toEqual([]);
    expect(
      kserve.secrets?.(
        contextFor(loadProfile("laptop", { components: { "object-store": { lifecycle: "disabled" } } })),
      ),
    ).toEqual([]);
  });

  test("points the ServiceAccount at the external store's own Secret", () => {
    expect(storageManifests(stepsFor(EXTERNAL_STORE))).toEqual([
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "kserve-s3", namespace: "team-default" },
        secrets: [{ name: "team-s3" }],
      },
    ]);
  });
});
