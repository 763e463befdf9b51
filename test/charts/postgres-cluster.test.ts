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

  it("sets the owner's credentials from a given Secret, which is then the app Secret", () => {
    const { chart, manifests } = render({ ...baseProps, ownerSecret: "app-db-owner" });
    expect(manifests[0].spec.bootstrap).toEqual({
      initdb: { database: "app", owner: "app", secret: { name: "app-db-owner" } },
    });
    expect(chart.appSecretName).toBe("app-db-owner");
    expect(schemaProblems(manifests[0], crdFor("postgresql.cnpg.io/v1", "Cluster")?.schema ?? {})).toEqual([]);
  });

  it("writes no password: credentials are left to the operator", () => {
    const { manifests } = render(baseProps);
    expect(JSON.stringify(manifests)).not.toMatch(/password|secret/i);
  });
});

describe("PostgresClusterChart tenants", () => {
  const tenants = [
    { role: "team_a", database: "team_a", passwordSecret: "db-team-a", extensions: ["vector"] },
    { role: "team_b", database: "team_b", passwordSecret: "db-team-b" },
  ];

  it("gives each tenant a managed login role, its own database, and pg_hba that admits it there only", () => {
    const { manifests } = render({ ...baseProps, tenants });
    const cluster = manifests.find((m) => m.kind === "Cluster");
    expect(cluster?.spec.managed).toEqual({
      roles: [
        { name: "team_a", ensure: "present", login: true, passwordSecret: { name: "db-team-a" } },
        { name: "team_b", ensure: "present", login: true, passwordSecret: { name: "db-team-b" } },
      ],
    });
    expect(cluster?.spec.postgresql).toEqual({
      pg_hba: [
        "host team_a team_a all scram-sha-256",
        "host team_b team_b all scram-sha-256",
        "host all team_a all reject",
        "host all team_b all reject",
      ],
    });
    expect(manifests.filter((m) => m.kind === "Database")).toEqual([
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Database",
        metadata: { name: "app-db-team-a", namespace: "apps" },
        spec: {
          cluster: { name: "app-db" },
          name: "team_a",
          owner: "team_a",
          extensions: [{ name: "vector", ensure: "present" }],
        },
      },
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Database",
        metadata: { name: "app-db-team-b", namespace: "apps" },
        spec: { cluster: { name: "app-db" }, name: "team_b", owner: "team_b" },
      },
    ]);
    const crd = crdFor("postgresql.cnpg.io/v1", "Cluster");
    expect(crd?.kind).toBe("Cluster");
    expect(schemaProblems(cluster, crd?.schema ?? {})).toEqual([]);
  });

  it("a tenant name that is not a plain identifier is refused with the rule", () => {
    expect(() =>
      render({ ...baseProps, tenants: [{ role: "team-a", database: "team_a", passwordSecret: "s" }] }),
    ).toThrow(/tenant role "team-a" is not a plain PostgreSQL identifier; use lowercase letters, digits and '_'/);
  });
});
