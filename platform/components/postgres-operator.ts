import type { ComponentDefinition } from "../component";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "cnpg-system";
/** The operator's Helm release; the chart's resources are named after it (`cloudnative-pg`). */
export const CNPG_RELEASE = "cloudnative-pg";

/**
 * The CloudNativePG operator (chart `cloudnative-pg`, CRDs installed by the chart: `crds.create`).
 * Its mutating/validating webhooks fail closed, so Clusters wait for the `cnpg-webhook-ready` gate:
 * a server-side dry-run of a minimal Cluster that succeeds only once the webhook answers.
 */
export const postgresOperator: ComponentDefinition = {
  id: "postgres-operator",
  title: "CloudNativePG",
  summary: "PostgreSQL operator: runs the MLflow database (and the pgvector engine) as Cluster resources",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "management-only",
  dependencies: () => [{ id: "observability", optional: true, reason: "PodMonitor for the operator's metrics" }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: CNPG_RELEASE,
      namespace: NAMESPACE,
      chart: "cloudnative-pg",
      primary: true,
      // The operator only: the databases are the Cluster releases (mlflow-db, pgvector), which keep. Its CRDs
      // carry helm.sh/resource-policy: keep, so uninstalling the operator never deletes a Cluster.
      onFailedInstall: "uninstall",
      values: {
        crds: { create: true },
        resources: resources("10m", "64Mi", "200m", "256Mi"),
        // The chart's PodMonitor needs the Prometheus Operator CRDs, which the observability stack brings.
        monitoring: { podMonitorEnabled: monitoringEnabled(ctx) },
      },
    },
    {
      kind: "gate",
      name: "cnpg-webhook-ready",
      namespace: NAMESPACE,
      after: [CNPG_RELEASE],
      // The webhook rejects a Cluster without a storage size, so the smallest accepted probe carries one.
      probe: {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "cnpg-webhook-probe", namespace: NAMESPACE },
        spec: { instances: 1, storage: { size: "1Gi" } },
      },
      resource: "clusters",
    },
  ],
};
