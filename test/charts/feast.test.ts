import { App, Testing } from "cdk8s";
import { FeastOperatorChart, FeatureStoresChart } from "../../charts/feast";
import type { ManifestObject } from "../../platform/manifests";
import { resources } from "../../charts/resources";

const IMAGES = { operator: "mirror/operator:1", featureServer: "mirror/server:1", cronJob: "mirror/cli:1" };

function deployment(env: Array<{ name: string; value: string }>): ManifestObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "feast-operator-controller-manager", namespace: "feast-operator-system" },
    spec: {
      template: {
        spec: {
          securityContext: { runAsNonRoot: true },
          containers: [{ name: "manager", image: "quay.io/feastdev/feast-operator:0.66.0", env }],
        },
      },
    },
  };
}

const RELATED = [
  { name: "RELATED_IMAGE_FEATURE_SERVER", value: "quay.io/feastdev/feature-server:0.66.0" },
  { name: "RELATED_IMAGE_CRON_JOB", value: "quay.io/openshift/origin-cli:4.17" },
];

function render(objects: ManifestObject[]) {
  const app = Testing.app();
  return Testing.synth(new FeastOperatorChart(app, "operator", { objects, images: IMAGES }));
}

describe("FeastOperatorChart", () => {
  it("keeps every object but the Namespace, and patches only the operator's pod", () => {
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "feast-operator-system" } };
    const role = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "r" },
      rules: [],
    };
    expect(render([namespace, role, deployment(RELATED)])).toEqual([
      role,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "feast-operator-controller-manager", namespace: "feast-operator-system" },
        spec: {
          template: {
            spec: {
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "manager",
                  image: "mirror/operator:1",
                  securityContext: { readOnlyRootFilesystem: true },
                  env: [
                    { name: "RELATED_IMAGE_FEATURE_SERVER", value: "mirror/server:1" },
                    { name: "RELATED_IMAGE_CRON_JOB", value: "mirror/cli:1" },
                  ],
                },
              ],
            },
          },
        },
      },
    ]);
  });

  it("fails when the manifest has no operator Deployment to patch", () => {
    expect(() => render([])).toThrow(
      'FeastOperatorChart: the manifest has no Deployment "feast-operator-controller-manager" with a container "manager"; the patches in charts/feast.ts expect the layout of feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml: check the pinned manifest.',
    );
  });

  it("fails when the operator no longer reads an image variable the chart sets", () => {
    expect(() => render([deployment(RELATED.slice(0, 1))])).toThrow(
      "FeastOperatorChart: the operator container has no RELATED_IMAGE_CRON_JOB variable; check the pinned manifest (charts/feast.ts sets it to the pinned image).",
    );
  });
});

describe("FeatureStoresChart", () => {
  it("renders nothing for no stores, and a FeatureStore and a NetworkPolicy per store in its namespace", () => {
    const synth = (stores: ConstructorParameters<typeof FeatureStoresChart>[2]["stores"]) =>
      Testing.synth(
        new FeatureStoresChart(new App(), "stores", {
          namespace: "feast",
          stores,
          resources: resources("1", "1Gi", "1", "1Gi"),
        }),
      );
    expect(synth([])).toEqual([]);
    const objects = synth([{ name: "a", project: "p_a", teamNamespace: "team-a", secret: "s-a" }]);
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ["FeatureStore", "feast", "a"],
      ["NetworkPolicy", "feast", "feature-server-a"],
    ]);
    expect(objects[0].spec.services.registry.local.persistence.store).toEqual({
      type: "sql",
      secretRef: { name: "s-a" },
      secretKeyName: "registry",
    });
    expect(objects[1].spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "team-a" } } },
    ]);
  });
});
