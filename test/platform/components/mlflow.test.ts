import { renderLocal } from "../../support/render";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease } from "../../../platform/component";
import {
  MLFLOW_TRACKING_URI,
  mlflow,
  mlflowAllowedHosts,
  mlflowBackendStore,
} from "../../../platform/components/mlflow";
import { contextFor } from "../../../platform/graph";
import { imageRef } from "../../../platform/versions";

const EXTERNAL_POSTGRESQL = {
  components: { postgresql: { lifecycle: "external" } },
  external: { postgresql: { host: "db.example.com", port: 5432, database: "mlflow", credentialsSecret: "mlflow-db" } },
};
const EXTERNAL_STORE = {
  components: { "object-store": { lifecycle: "external" } },
  external: {
    objectStore: { endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", credentialsSecret: "aws-s3" },
  },
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

function synth(override?: unknown) {
  const [step] = mlflow.steps(contextFor(loadProfile("laptop", override)));
  const manifests = renderLocal(step as LocalRelease, "mlflow");
  const deployment = manifests.find((m) => m.kind === "Deployment");
  const container = deployment.spec.template.spec.containers[0];
  return { step, manifests, container, env: container.env as EnvVar[] };
}

describe("mlflow", () => {
  it("installs one local release in the mlflow namespace, after the database and the object store", () => {
    const { step } = synth();
    expect({ ...step, render: undefined }).toEqual({
      kind: "local",
      name: "mlflow",
      namespace: "mlflow",
      onFailedInstall: "uninstall",
      render: undefined,
    });
    expect(mlflow.namespaces(contextFor(loadProfile("laptop")))).toEqual([{ name: "mlflow" }]);
    expect(mlflow.dependencies(loadProfile("laptop"))).toEqual([
      { id: "postgresql", reason: "the tracking database (backend store)" },
      { id: "object-store", reason: "the artifact store" },
    ]);
  });

  it("runs the pinned image against CloudNativePG's URI and proxies artifacts to the MLflow bucket", () => {
    const { container, env } = synth();
    expect(container.image).toBe(imageRef("mlflow"));
    expect(container.args).toEqual([
      "server",
      "--host=0.0.0.0",
      "--port=5000",
      "--workers=2",
      "--backend-store-uri=$(BACKEND_STORE_URI)",
      "--serve-artifacts",
      "--artifacts-destination=s3://mlflow-artifacts/",
      "--allowed-hosts=" + mlflowAllowedHosts().join(","),
    ]);
    expect(env).toEqual([
      { name: "BACKEND_STORE_URI", valueFrom: { secretKeyRef: { name: "mlflow-db-app", key: "uri" } } },
      { name: "MLFLOW_S3_ENDPOINT_URL", value: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333" },
      { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" } },
      },
      { name: "HOME", value: "/tmp" },
    ]);
    expect(container.resources).toEqual({
      requests: { cpu: "50m", memory: "384Mi" },
      limits: { cpu: "1", memory: "1024Mi" },
    });
  });

  it("writes to the artifacts bucket the profile names", () => {
    const { container } = synth({ buckets: { mlflowArtifacts: "tracking", models: "registry" } });
    expect(container.args).toContain("--artifacts-destination=s3://tracking/");
  });

  it("carries no credential in its manifests: every secret comes from a secretKeyRef, and no Secret is rendered", () => {
    const { manifests, env } = synth();
    expect(manifests.map((m) => m.kind)).toEqual(["Deployment", "Service"]);
    expect(env.filter((e) => e.value !== undefined).map((e) => e.name)).toEqual([
      "MLFLOW_S3_ENDPOINT_URL",
      "AWS_DEFAULT_REGION",
      "HOME",
    ]);
    expect(JSON.stringify(manifests)).not.toMatch(/postgresql:\/\/|\{username\}|\{password\}/);
  });

  it("accepts the Service's DNS names with and without the port, and port-forwarding on localhost", () => {
    expect(mlflowAllowedHosts()).toEqual([
      "mlflow",
      "mlflow:5000",
      "mlflow.mlflow",
      "mlflow.mlflow:5000",
      "mlflow.mlflow.svc",
      "mlflow.mlflow.svc:5000",
      "mlflow.mlflow.svc.cluster.local",
      "mlflow.mlflow.svc.cluster.local:5000",
      "localhost:5000",
      "127.0.0.1:5000",
    ]);
    expect(MLFLOW_TRACKING_URI).toBe("http://mlflow.mlflow.svc.cluster.local:5000");
  });

  it("builds an external database's URI from the profile's address and credentials Secret", () => {
    expect(mlflowBackendStore(loadProfile("laptop", EXTERNAL_POSTGRESQL))).toEqual({
      kind: "postgresql",
      host: "db.example.com",
      port: 5432,
      database: "mlflow",
      credentialsSecret: "mlflow-db",
    });
    expect(synth(EXTERNAL_POSTGRESQL).env.slice(0, 3)).toEqual([
      { name: "DB_USERNAME", valueFrom: { secretKeyRef: { name: "mlflow-db", key: "username" } } },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "mlflow-db", key: "password" } } },
      { name: "BACKEND_STORE_URI", value: "postgresql://$(DB_USERNAME):$(DB_PASSWORD)@db.example.com:5432/mlflow" },
    ]);
  });

  it("rejects an external database without an address", () => {
    const profile = loadProfile("laptop", EXTERNAL_POSTGRESQL);
    expect(() => mlflowBackendStore({ ...profile, external: {} })).toThrow(/external\.postgresql is not set/);
  });

  it("gets its own S3 keys, scoped to the artifacts bucket, when the object store is managed", () => {
    expect(mlflow.secrets?.(contextFor(loadProfile("laptop")))).toEqual([
      {
        name: "object-store-credentials",
        namespace: "mlflow",
        credential: "object-store-mlflow",
        data: { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" },
      },
    ]);
  });

  it("uses an external store's endpoint, region and credentials Secret, and generates no copy", () => {
    const { env } = synth(EXTERNAL_STORE);
    expect(env.slice(1, 5)).toEqual([
      { name: "MLFLOW_S3_ENDPOINT_URL", value: "https://s3.eu-west-1.amazonaws.com" },
      { name: "AWS_DEFAULT_REGION", value: "eu-west-1" },
      { name: "AWS_ACCESS_KEY_ID", valueFrom: { secretKeyRef: { name: "aws-s3", key: "AWS_ACCESS_KEY_ID" } } },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: { secretKeyRef: { name: "aws-s3", key: "AWS_SECRET_ACCESS_KEY" } } },
    ]);
    expect(mlflow.secrets?.(contextFor(loadProfile("laptop", EXTERNAL_STORE)))).toEqual([]);
  });
});
