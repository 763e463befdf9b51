import { renderLocal } from "../../support/render";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { teamNamespaceLabels } from "../../../charts/team-tenancy";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease, Step, UpstreamRelease } from "../../../platform/component";
import {
  QDRANT_API_KEY_KEY,
  QDRANT_API_KEY_SECRET,
  VECTOR_DB_NAMESPACE,
  vectorDatabase,
  vectorDatabaseEndpoint,
} from "../../../platform/components/vector-database";
import { loadCheckedProfile } from "../../../platform/check";
import { contextFor } from "../../../platform/graph";
import { imageRef } from "../../../platform/versions";
import { chartReferenceDir, crdFor, schemaProblems, unknownValuePaths } from "../../support/reference";

const withoutObservability = { components: { observability: { lifecycle: "disabled" } } };

function stepsFor(engine: "qdrant" | "milvus" | "pgvector", extra: object = {}): readonly Step[] {
  return vectorDatabase.steps(contextFor(loadProfile("laptop", { vectorDatabase: { engine }, ...extra })));
}

function releaseFor(engine: "qdrant" | "milvus", extra: object = {}): UpstreamRelease {
  return stepsFor(engine, extra)[0] as UpstreamRelease;
}

/** Renders a local release the way the platform stack does: every chart it adds to one app. */
function synthLocal(step: LocalRelease, id: string) {
  return renderLocal(step, id);
}

function teamNamespace(name: string) {
  return { name, labels: { ...teamNamespaceLabels("v1.35"), "managed-by-kueue": "true" } };
}

function apiKeyCopy(namespace: string) {
  return { name: "qdrant-api-key", namespace, credential: "vector-database", data: { "api-key": "{password}" } };
}

const monitoringDependency = {
  id: "observability",
  optional: true,
  reason: "ServiceMonitor/PodMonitor for the vector database's metrics",
};

describe("vector-database", () => {
  it("exports its namespace and installs into it, declaring the team namespaces that get the API key", () => {
    expect(VECTOR_DB_NAMESPACE).toBe("vector-db");
    expect(vectorDatabase.namespaces(contextFor(loadProfile("laptop")))).toEqual([
      { name: "vector-db" },
      teamNamespace("team-default"),
    ]);
    expect(vectorDatabase.namespaces(contextFor(loadProfile("workstation-gpu")))).toEqual([
      { name: "vector-db" },
      teamNamespace("team-applied"),
      teamNamespace("team-research"),
    ]);
  });

  it("tells clients where each engine listens", () => {
    expect(vectorDatabaseEndpoint("qdrant")).toEqual({
      host: "qdrant.vector-db.svc.cluster.local",
      ports: [6333, 6334],
    });
    expect(vectorDatabaseEndpoint("milvus")).toEqual({ host: "milvus.vector-db.svc.cluster.local", ports: [19530] });
    expect(vectorDatabaseEndpoint("pgvector")).toEqual({
      host: "vectors-rw.vector-db.svc.cluster.local",
      ports: [5432],
    });
  });

  describe("qdrant (the default engine)", () => {
    it("is the engine of the laptop profile", () => {
      const [release] = vectorDatabase.steps(contextFor(loadProfile("laptop")));
      expect(release.name).toBe("qdrant");
    });

    it("runs one node with small persistence, laptop resources, the API key from the generated Secret and a ServiceMonitor", () => {
      expect(releaseFor("qdrant")).toEqual({
        kind: "upstream",
        name: "qdrant",
        namespace: "vector-db",
        chart: "qdrant",
        primary: true,
        onFailedInstall: "keep",
        values: {
          replicaCount: 1,
          config: { cluster: { enabled: false }, service: { jwt_rbac: true } },
          persistence: { size: "2Gi" },
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          updateVolumeFsOwnership: false,
          apiKey: { valueFrom: { secretKeyRef: { name: "qdrant-api-key", key: "api-key" } } },
          metrics: { serviceMonitor: { enabled: true } },
        },
      });
    });

    it("creates no ServiceMonitor when observability is disabled", () => {
      expect(releaseFor("qdrant", withoutObservability).values.metrics).toEqual({ serviceMonitor: { enabled: false } });
    });

    it("sets only keys of the pinned values file, apiKey and its valueFrom form being documented there as a comment", () => {
      expect(unknownValuePaths("qdrant", releaseFor("qdrant").values)).toEqual([]);
      expect(readFileSync(join(chartReferenceDir("qdrant"), "values.yaml"), "utf8")).toContain(
        "# Also supports reading in from an external secret using\n# valueFrom:\n#   secretKeyRef:\n#     name:\n#     key:\n# apiKey: false\n",
      );
    });

    it("exports the generated API key Secret's name and key", () => {
      expect([QDRANT_API_KEY_SECRET, QDRANT_API_KEY_KEY]).toEqual(["qdrant-api-key", "api-key"]);
    });

    it("keeps the API key in its own namespace, as Qdrant's configuration, and copies it nowhere", () => {
      const adminKey = { ...apiKeyCopy("vector-db"), role: "server" };
      expect(vectorDatabase.secrets?.(contextFor(loadProfile("laptop")))).toEqual([adminKey]);
      expect(vectorDatabase.secrets?.(contextFor(loadProfile("cluster-gpu")))).toEqual([adminKey]);
    });

    it("mints each team a key for its own collection, after Qdrant, with the image that has Python", () => {
      const steps = vectorDatabase.steps(contextFor(loadProfile("workstation-gpu")));
      const keys = steps.find((s) => s.name === "qdrant-team-keys") as LocalRelease;
      expect(keys.after).toEqual(["qdrant"]);
      const job = renderLocal(keys, "keys").find((m) => m.kind === "Job");
      const container = job.spec.template.spec.containers[0];
      expect(container.image).toBe(imageRef("mlflow"));
      expect(container.env).toEqual([
        { name: "QDRANT_API_KEY_FILE", value: "/api-key/api-key" },
        {
          name: "TEAMS",
          value: JSON.stringify([
            { namespace: "team-applied", collection: "team-applied" },
            { namespace: "team-research", collection: "team-research" },
          ]),
        },
        { name: "SECRET_NAME", value: "vector-db-credentials" },
        { name: "ENDPOINT", value: "http://qdrant.vector-db.svc.cluster.local:6333" },
        { name: "COLLECTION_VECTORS", value: '{"size":384,"distance":"Cosine"}' },
      ]);
    });

    it("creates the team collections with the vector size of components.vector-database.settings", () => {
      const profile = loadProfile("laptop", {
        components: { "vector-database": { settings: { collectionVectorSize: 768 } } },
      });
      const keys = vectorDatabase.steps(contextFor(profile)).find((s) => s.name === "qdrant-team-keys") as LocalRelease;
      const env = renderLocal(keys, "keys").find((m) => m.kind === "Job").spec.template.spec.containers[0].env;
      expect(env.find((e: { name: string }) => e.name === "COLLECTION_VECTORS")).toEqual({
        name: "COLLECTION_VECTORS",
        value: '{"size":768,"distance":"Cosine"}',
      });
    });

    it("a vector size Qdrant does not take is a profile error at its path", () => {
      for (const collectionVectorSize of [0, 65537, 384.5]) {
        expect(() =>
          loadCheckedProfile("laptop", { components: { "vector-database": { settings: { collectionVectorSize } } } }),
        ).toThrow(/components\.vector-database\.settings\.collectionVectorSize: /);
      }
    });

    it("depends on observability only optionally", () => {
      expect(vectorDatabase.dependencies(loadProfile("laptop", { vectorDatabase: { engine: "qdrant" } }))).toEqual([
        monitoringDependency,
      ]);
    });
  });

  describe("milvus", () => {
    it("runs standalone with embedded etcd and local storage, without Pulsar or MinIO", () => {
      // No pinned values file exists for this chart: the exact values are the check (keys cited in the component).
      expect(releaseFor("milvus")).toEqual({
        kind: "upstream",
        name: "milvus",
        namespace: "vector-db",
        chart: "milvus",
        primary: true,
        onFailedInstall: "keep",
        values: {
          cluster: { enabled: false },
          standalone: {
            resources: { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "1", memory: "2Gi" } },
            persistence: { persistentVolumeClaim: { size: "5Gi" } },
          },
          etcd: { enabled: false },
          minio: { enabled: false },
          pulsarv3: { enabled: false },
          pulsar: { enabled: false },
          extraConfigFiles: { "user.yaml": "etcd:\n  use:\n    embed: true\ncommon:\n  storageType: local\n" },
          metrics: { serviceMonitor: { enabled: true } },
        },
      });
    });

    it("creates no ServiceMonitor when observability is disabled", () => {
      expect(releaseFor("milvus", withoutObservability).values.metrics).toEqual({ serviceMonitor: { enabled: false } });
    });

    it("depends on observability only optionally", () => {
      expect(vectorDatabase.dependencies(loadProfile("laptop", { vectorDatabase: { engine: "milvus" } }))).toEqual([
        monitoringDependency,
      ]);
    });
  });

  describe("pgvector", () => {
    function manifests(extra: object = {}) {
      const step = stepsFor("pgvector", extra)[0] as LocalRelease;
      return synthLocal(step, "vector-database");
    }

    it("installs one local release named after the Cluster", () => {
      const [step] = stepsFor("pgvector");
      expect({ ...step, render: undefined }).toEqual({
        kind: "local",
        name: "vectors",
        namespace: "vector-db",
        onFailedInstall: "keep",
        render: undefined,
      });
    });

    it("renders a Cluster named vectors, and each team its own role and database with the vector extension", () => {
      expect(manifests()).toEqual([
        {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "Cluster",
          metadata: { name: "vectors", namespace: "vector-db" },
          spec: {
            instances: 1,
            imageName: imageRef("postgresql"),
            storage: { size: "2Gi" },
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            bootstrap: {
              initdb: {
                database: "vectors",
                owner: "vectors",
                postInitApplicationSQL: ["CREATE EXTENSION IF NOT EXISTS vector"],
              },
            },
            monitoring: { enablePodMonitor: true },
            managed: {
              roles: [
                {
                  name: "team_default",
                  ensure: "present",
                  login: true,
                  passwordSecret: { name: "vectors-team-default" },
                },
              ],
            },
            postgresql: {
              pg_hba: ["host team_default team_default all scram-sha-256", "host all team_default all reject"],
            },
          },
        },
        {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "Database",
          metadata: { name: "vectors-team-default", namespace: "vector-db" },
          spec: {
            cluster: { name: "vectors" },
            name: "team_default",
            owner: "team_default",
            extensions: [{ name: "vector", ensure: "present" }],
          },
        },
      ]);
    });

    it("renders Clusters that validate against the pinned CRD", () => {
      const crd = crdFor("postgresql.cnpg.io/v1", "Cluster");
      expect(crd).toBeDefined();
      for (const extra of [{}, withoutObservability]) {
        for (const manifest of manifests(extra).filter((m) => m.kind === "Cluster")) {
          expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
        }
      }
    });

    it("requires the CloudNativePG operator", () => {
      expect(vectorDatabase.dependencies(loadProfile("laptop", { vectorDatabase: { engine: "pgvector" } }))).toEqual([
        { id: "postgres-operator", reason: "the pgvector engine is a CloudNativePG Cluster" },
        monitoringDependency,
      ]);
    });
  });

  it("writes no credential for any engine", () => {
    expect(JSON.stringify(releaseFor("milvus").values)).not.toMatch(/password|secret|accessKey|api_?key/i);
    // Qdrant's values only name the generated Secret; its value is a template filled by the platform stack.
    expect(releaseFor("qdrant").values.apiKey).toEqual({
      valueFrom: { secretKeyRef: { name: "qdrant-api-key", key: "api-key" } },
    });
    const pgvector = stepsFor("pgvector")[0] as LocalRelease;
    // Only the name of each team's password Secret appears, never a password.
    expect(JSON.stringify(synthLocal(pgvector, "v"))).not.toMatch(/"password"|"secret"/i);
  });

  it("generates no Secret for Milvus", () => {
    expect(
      vectorDatabase.secrets?.(contextFor(loadProfile("laptop", { vectorDatabase: { engine: "milvus" } }))),
    ).toEqual([]);
  });

  it("generates each team's pgvector password once for the operator and once for the team, nowhere else", () => {
    expect(
      vectorDatabase.secrets?.(contextFor(loadProfile("laptop", { vectorDatabase: { engine: "pgvector" } }))),
    ).toEqual([
      {
        name: "vectors-team-default",
        namespace: "vector-db",
        credential: "vector-database-team-default",
        role: "server",
        type: "kubernetes.io/basic-auth",
        data: { username: "team_default", password: "{password}" },
      },
      {
        name: "vector-db-credentials",
        namespace: "team-default",
        credential: "vector-database-team-default",
        data: {
          username: "team_default",
          password: "{password}",
          host: "vectors-rw.vector-db.svc.cluster.local",
          port: "5432",
          dbname: "team_default",
          uri: "postgresql://team_default:{password}@vectors-rw.vector-db.svc.cluster.local:5432/team_default",
        },
      },
    ]);
  });
});
