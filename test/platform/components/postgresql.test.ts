import { renderLocal } from "../../support/render";
import { loadProfile } from "../../../profiles/load";
import type { LocalRelease } from "../../../platform/component";
import {
  MLFLOW_DB_APP_SECRET,
  MLFLOW_DB_CLUSTER,
  MLFLOW_NAMESPACE,
  postgresql,
} from "../../../platform/components/postgresql";
import { contextFor } from "../../../platform/graph";
import { imageRef } from "../../../platform/versions";
import { crdFor, schemaProblems } from "../../support/reference";

function manifestsFor(override?: unknown) {
  const [step] = postgresql.steps(contextFor(loadProfile("laptop", override)));
  return { step, manifests: renderLocal(step as LocalRelease, "postgresql") };
}

describe("postgresql", () => {
  it("exports the names the mlflow component connects with", () => {
    expect([MLFLOW_DB_CLUSTER, MLFLOW_DB_APP_SECRET, MLFLOW_NAMESPACE]).toEqual([
      "mlflow-db",
      "mlflow-db-app",
      "mlflow",
    ]);
  });

  it("installs one local release named after the Cluster in the mlflow namespace", () => {
    const { step } = manifestsFor();
    expect({ ...step, render: undefined }).toEqual({
      kind: "local",
      name: "mlflow-db",
      namespace: "mlflow",
      onFailedInstall: "keep",
      render: undefined,
    });
  });

  it("renders a one-instance Cluster with database and owner mlflow, small storage and laptop resources", () => {
    expect(manifestsFor().manifests).toEqual([
      {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "mlflow-db", namespace: "mlflow" },
        spec: {
          instances: 1,
          imageName: imageRef("postgresql"),
          storage: { size: "1Gi" },
          resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
          bootstrap: { initdb: { database: "mlflow", owner: "mlflow" } },
          monitoring: { enablePodMonitor: true },
        },
      },
    ]);
  });

  it("asks for no PodMonitor when observability is disabled", () => {
    const { manifests } = manifestsFor({ components: { observability: { lifecycle: "disabled" } } });
    expect(manifests[0].spec.monitoring).toBeUndefined();
  });

  it("renders a Cluster that validates against the pinned CRD", () => {
    const crd = crdFor("postgresql.cnpg.io/v1", "Cluster");
    expect(crd).toBeDefined();
    for (const manifest of manifestsFor().manifests) expect(schemaProblems(manifest, crd?.schema ?? {})).toEqual([]);
  });

  it("writes no password: CloudNativePG generates the mlflow-db-app Secret", () => {
    expect(JSON.stringify(manifestsFor().manifests)).not.toMatch(/password|secret/i);
    expect(postgresql.secrets).toBeUndefined();
  });

  it("requires the operator, uses observability when present, and owns the mlflow namespace", () => {
    const profile = loadProfile("laptop");
    expect(postgresql.dependencies(profile)).toEqual([
      { id: "postgres-operator", reason: "the Cluster resource and its admission webhook" },
      { id: "observability", optional: true, reason: "PodMonitor for the database's metrics" },
    ]);
    expect(postgresql.namespaces(contextFor(profile))).toEqual([{ name: "mlflow" }]);
  });
});
