import { Testing } from "cdk8s";
import { PostgresClusterChart } from "../../charts/postgres-cluster";
import { resources } from "../../charts/resources";
import { crdFor, schemaProblems } from "../support/reference";

const baseProps = {
  name: "app-db",
  namespace: "apps",
  database: "app",
  owner: "app",
  image: "ghcr.io/cloudnative-pg/postgresql:17.6",
  instances: 1,
  storageSize: "1Gi",
  resources: resources("50m", "128Mi", "500m", "512Mi"),
};

function render(props: ConstructorParameters<typeof PostgresClusterChart>[2]) {
  const chart = new PostgresClusterChart(Testing.app(), "db", props);
  return { chart, manifests: Testing.synth(chart) };
}

describe("PostgresClusterChart", () => {
  it("renders one Cluster bootstrapped by initdb with the given image, storage and resources", () => {
    const { manifests } = render(baseProps);
    expect(manifests).toEqual([
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "app-db", namespace: "apps" },
        spec: {
          instances: 1,
          imageName: "ghcr.io/cloudnative-pg/postgresql:17.6",
          storage: { size: "1Gi" },
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          bootstrap: { initdb: { database: "app", owner: "app" } },
        },
      },
    ]);
  });

  it("adds post-init application SQL and the PodMonitor when asked", () => {
    const { manifests } = render({
      ...baseProps,
      postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS vector"],
      enablePodMonitor: true,
    });
    expect(manifests[0].spec.bootstrap).toEqual({
      initdb: { database: "app", owner: "app", postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS vector"] },
    });
    expect(manifests[0].spec.monitoring).toEqual({ enablePodMonitor: true });
  });

  it("names the Secret and Service CloudNativePG generates for the cluster", () => {
    const { chart } = render(baseProps);
    expect(chart.appSecretName).toBe("app-db-app");
    expect(chart.readWriteServiceName).toBe("app-db-rw");
  });

  it("renders Clusters that validate against the pinned CRD", () => {
    const crd = crdFor("postgresql.cnpg.io/v1", "Cluster");
    expect(crd).toBeDefined();
    for (const props of [baseProps, { ...baseProps, postInitApplicationSQL: ["SELECT 1"], enablePodMonitor: true }]) {
      for (const manifest of render(props).manifests) {
        expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
      }
    }
  });

  it("writes no password: credentials are left to the operator", () => {
    const { manifests } = render(baseProps);
    expect(JSON.stringify(manifests)).not.toMatch(/password|secret/i);
  });
});
