import type { ComponentContext, ComponentDefinition, ComponentId } from "../component";
import type { Problem } from "../../profiles/problems";
import { workerNames } from "../../profiles/multicluster";
import { IMAGES, imageRef, mirrored } from "../versions";
import { resources } from "./shared";

export const NAMESPACE = "jobset-system";

/** Helm release name; the chart names its Deployment, webhooks and Services after it (`jobset-controller-manager`). */
export const RELEASE = "jobset";
const WEBHOOK_GATE = "jobset-webhook-ready";

/** `jobset.x-k8s.io/v1alpha2`: the API version of JobSet (the only one the 0.12.0 CRD serves). */
export const JOBSET_API_VERSION = "jobset.x-k8s.io/v1alpha2";

/**
 * A component that brings a Kueue integration MultiKueue would dispatch (Kueue enables an integration's MultiKueue
 * adapter with the integration), on a profile with MultiKueue workers: the worker access the platform grants
 * (charts/multikueue.ts `multiKueueWorkerRules`) covers Jobs, Pods and Ray kinds only, and a failed watch marks the
 * whole MultiKueueCluster inactive (platform/components/kueue.ts), so such a profile is refused until it does.
 */
export function multiKueueKindProblems(ctx: ComponentContext, id: ComponentId, kinds: string): Problem[] {
  const workers = workerNames(ctx.profile);
  const lifecycle = ctx.lifecycle(id);
  if (workers.length === 0 || lifecycle === "disabled") return [];
  return [
    {
      path: `components.${id}.lifecycle`,
      value: lifecycle,
      allowed: `Kueue would watch ${kinds} on the MultiKueue workers (${workers.join(", ")}), which the workers' access does not grant (charts/multikueue.ts); use "disabled" on a profile with workers`,
    },
  ];
}

/**
 * JobSet (kubernetes-sigs/jobset 0.12.0): a group of Jobs run as one unit, with a headless Service for their pods.
 * Kubeflow Trainer runs every TrainJob as a JobSet, so it is its own component here rather than the Trainer chart's
 * subchart (which the Trainer release turns off, `jobset.install: false`).
 *
 * `disabled` by default, like the Trainer that needs it: the controller requests 500m CPU at the chart's defaults,
 * a third of the laptop footprint target; profiles opt in (cluster-gpu). Its CRD ships in the chart's `crds/`, so
 * Helm installs it once and never deletes it. Its mutating and validating webhooks (JobSets, and pods labelled
 * `jobset.sigs.k8s.io/jobset-name`) fail closed, so a gate probes with a JobSet before the Trainer installs.
 */
export const jobset: ComponentDefinition = {
  id: "jobset",
  title: "JobSet",
  summary: "Groups of Jobs run as one unit; Kubeflow Trainer runs each TrainJob as a JobSet",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  // Job machinery: it runs where the training pods run.
  placement: "every-cluster",
  problems: (ctx) => multiKueueKindProblems(ctx, "jobset", "JobSets"),
  dependencies: () => [],
  teamKinds: () => [{ apiGroup: "jobset.x-k8s.io", resources: ["jobsets"] }],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "jobset",
      primary: true,
      // The controller, its webhooks and RBAC; the CRD comes from the chart's crds/, which Helm never deletes.
      onFailedInstall: "uninstall",
      values: {
        // Keys checked against kubernetes-sigs/jobset@v0.12.0:charts/jobset/values.yaml (the published chart's image
        // values are the promoted tag's; pinned in the version table anyway).
        image: {
          repository: mirrored(IMAGES.jobset.repository, ctx.profile.mirror.images),
          tag: IMAGES.jobset.tag,
        },
        controller: {
          // The chart asks 500m / 128Mi and allows 2 CPU / 4Gi, sized for thousands of JobSets; a team's few need little.
          // Its securityContext and podSecurityContext defaults are already restricted (values.yaml:61-81).
          resources: resources("50m", "64Mi", "500m", "512Mi"),
        },
        // `prometheus.enable` stays false: its ServiceMonitor scrapes the secure metrics endpoint with a token the
        // platform's Prometheus is not bound to read (templates/prometheus/monitor.yaml, role.yaml).
      },
    },
    {
      kind: "gate",
      name: WEBHOOK_GATE,
      namespace: NAMESPACE,
      after: [RELEASE],
      // The Trainer creates JobSets, which both JobSet webhooks (failurePolicy unset, so Fail) see: probe with one.
      probe: {
        apiVersion: JOBSET_API_VERSION,
        kind: "JobSet",
        metadata: { name: "jobset-webhook-probe", namespace: NAMESPACE },
        spec: {
          replicatedJobs: [
            {
              name: "probe",
              template: {
                spec: {
                  template: {
                    spec: {
                      restartPolicy: "Never",
                      containers: [{ name: "probe", image: imageRef("kubectl", ctx.profile.mirror.images) }],
                    },
                  },
                },
              },
            },
          ],
        },
      },
      resource: "jobsets",
    },
  ],
};
