import type { ComponentDefinition } from "../component";
import { teamNamespaces } from "../../profiles/plan";
import { IMAGES, mirrored } from "../versions";
import { multiKueueKindProblems } from "./jobset";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "spark-operator";

/** Helm release name; the chart names its objects `<release>-controller`, `<release>-webhook`. */
export const RELEASE = "spark-operator";

/**
 * The ServiceAccount the chart creates, with its Role (pods, services, configmaps, PVCs), in every team namespace: a
 * SparkApplication's driver runs as it (`spec.driver.serviceAccount`) to create its executors.
 */
export const SPARK_DRIVER_SERVICE_ACCOUNT = "spark-driver";

/** The API version of SparkApplication (kubeflow/spark-operator@v2.5.2 CRD `sparkoperator.k8s.io`). */
export const SPARK_API_VERSION = "sparkoperator.k8s.io/v1beta2";

/** The chart's image values: `registry` and `repository` are joined (templates/controller/_helpers.tpl `image`). */
function operatorImage(mirror?: string): { registry: string; repository: string; tag: string } {
  const [registry, ...path] = mirrored(IMAGES["spark-operator"].repository, mirror).split("/");
  return { registry, repository: path.join("/"), tag: IMAGES["spark-operator"].tag };
}

/**
 * The Spark operator (kubeflow/spark-operator 2.5.2): SparkApplications in the team namespaces, for data preparation
 * at a scale one Ray or Python pod does not reach (../shared/reference/facts-wave3.md §5).
 *
 * `disabled` by default (two more controllers than a laptop's footprint has room for); cluster-gpu opts in.
 *
 *  - **Team namespaces only.** `spark.jobNamespaces` is the team namespaces: the operator's webhooks select exactly
 *    those (templates/webhook/*webhookconfiguration.yaml, `kubernetes.io/metadata.name In`), and the chart creates the
 *    drivers' ServiceAccount and Role in each.
 *  - **Kueue.** Kueue 0.19's SparkApplication integration is alpha: the framework is enabled, with its feature gate
 *    `SparkApplicationIntegration`, only where this component is available (KUEUE_COMPONENT_FRAMEWORKS), since Kueue
 *    stops configuring its reconcilers when a listed framework's gate is off (kubernetes-sigs/kueue@v0.19.2:
 *    pkg/controller/jobframework/setup.go:78). Kueue admits a SparkApplication as a whole (driver and executors) and
 *    rejects `spec.dynamicAllocation.enabled: true`.
 *  - **Restricted pods.** The controller and webhook containers are restricted at the chart's defaults
 *    (values.yaml:247, :426); the drivers' and executors' security contexts come from each SparkApplication, and team
 *    namespaces enforce `restricted` on them.
 *  - **No CRD hook.** `hook.upgradeCrd` stays false (no kubectl image): Helm installs the CRDs from the chart's
 *    `crds/` once and never upgrades them, so a chart bump that changes a CRD applies it by hand (docs/spark.md).
 */
export const sparkOperator: ComponentDefinition = {
  id: "spark-operator",
  title: "Spark operator",
  summary: "Apache Spark applications (SparkApplication) in the team namespaces, each admitted whole by Kueue",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  // Its drivers run in the team namespaces; Kueue would send SparkApplications to MultiKueue workers (refused there).
  placement: "management-only",
  problems: (ctx) => multiKueueKindProblems(ctx, "spark-operator", "SparkApplications"),
  // Kueue installs after it (its integration needs the CRDs), as after the other operators whose kinds it queues.
  dependencies: () => [
    { id: "tenancy", reason: "the chart creates the drivers' ServiceAccount and Role in the team namespaces" },
  ],
  teamKinds: () => [
    { apiGroup: "sparkoperator.k8s.io", resources: ["sparkapplications", "scheduledsparkapplications"] },
  ],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "spark-operator",
      primary: true,
      // The controller, webhook and RBAC; the CRDs come from the chart's crds/, which Helm never deletes.
      onFailedInstall: "uninstall",
      values: {
        // Keys checked against kubeflow/spark-operator@v2.5.2:charts/spark-operator-chart/values.yaml.
        image: operatorImage(ctx.profile.mirror.images),
        // The chart leaves both `{}` (values.yaml:238, :417).
        controller: { resources: resources("50m", "128Mi", "500m", "512Mi") },
        webhook: { resources: resources("20m", "64Mi", "200m", "256Mi") },
        spark: {
          jobNamespaces: teamNamespaces(ctx.profile),
          serviceAccount: { create: true, name: SPARK_DRIVER_SERVICE_ACCOUNT },
        },
        // Its PodMonitor needs the Prometheus Operator's CRDs; the platform's Prometheus selects every PodMonitor.
        prometheus: { podMonitor: { create: monitoringEnabled(ctx) } },
      },
    },
  ],
};
