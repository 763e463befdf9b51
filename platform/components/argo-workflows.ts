import type { Construct } from "constructs";
import type { ComponentContext, ComponentDefinition } from "../component";
import type { Problem } from "../../profiles/problems";
import { workerNames } from "../../profiles/multicluster";
import { teamNames, teamNamespace, teamNamespaces } from "../../profiles/plan";
import { ArgoArtifactsChart } from "../../charts/argo-artifacts";
import { DEFAULT_JOB_RUN_AS_USER, restrictedPodSecurityContext } from "../../charts/workloads/placement";
import type { ImageKey } from "../versions";
import { IMAGES, mirrored } from "../versions";
import { TEAM_LOCAL_QUEUE } from "./kueue";
import {
  objectStoreEndpoint,
  objectStoreRegion,
  s3CredentialsSecretName,
  teamBucket,
  usesS3Keys,
} from "./object-store";
import { resources, RESTRICTED_CONTAINER } from "./shared";

export const NAMESPACE = "argo";

/** Helm release name; the chart names its controller `<release>-workflow-controller`. */
export const RELEASE = "argo-workflows";

/** The ServiceAccount the chart creates, with its Role, in every team namespace; workflow pods run as it by default. */
export const WORKFLOW_SERVICE_ACCOUNT = "argo-workflow";

/** The label Kueue's `pod` integration queues a pod by. */
const QUEUE_LABEL = "kueue.x-k8s.io/queue-name";

/** The chart's image values: it joins `registry/repository` when both are set (templates/_helpers.tpl `argo-workflows.image`). */
function argoImage(key: ImageKey, mirror?: string): { registry: string; repository: string; tag: string } {
  const image = IMAGES[key];
  const [registry, ...path] = mirrored(image.repository, mirror).split("/");
  return { registry, repository: path.join("/"), tag: image.tag };
}

/** Release of the teams' `artifact-repositories` ConfigMaps (charts/argo-artifacts.ts). */
const ARTIFACTS_RELEASE = "argo-artifact-repositories";

/** True when workflows keep artifacts in the platform's object store: one with S3 keys, and teams to use it. */
function hasArtifactStore(ctx: ComponentContext): boolean {
  return ctx.isAvailable("object-store") && usesS3Keys(ctx.profile) && teamNames(ctx.profile).length > 0;
}

/**
 * On a profile with MultiKueue workers, Kueue would dispatch each queued workflow pod to a worker on its own, away
 * from the controller that drives the workflow (each pod is its own Workload, and a step's successors are made only
 * after its pod ends here). Untested, so refused.
 */
function multiKueueProblems(ctx: ComponentContext): Problem[] {
  const workers = workerNames(ctx.profile);
  const lifecycle = ctx.lifecycle("argo-workflows");
  if (workers.length === 0 || lifecycle === "disabled") return [];
  return [
    {
      path: "components.argo-workflows.lifecycle",
      value: lifecycle,
      allowed: `MultiKueue would dispatch single workflow pods to the workers (${workers.join(", ")}), away from the controller that runs the workflow; use "disabled" on a profile with workers`,
    },
  ];
}

/**
 * Argo Workflows (argo-helm 1.0.18, Argo v4.0.6): DAGs and steps of containers (Workflow, WorkflowTemplate,
 * CronWorkflow), the pipeline engine without Kubeflow Pipelines' dozen services (../shared/reference/facts-wave3.md §4).
 *
 * `disabled` by default (one more controller than a laptop's footprint has room for); cluster-gpu opts in.
 *
 *  - **Controller only.** The chart's Argo Server (UI and API, `server.enabled`) is off: it adds a pod, and with
 *    `authModes` unset it serves every Workflow with its own ServiceAccount's cluster-wide rights to whoever reaches it;
 *    the platform has no SSO for it. Teams submit Workflows with kubectl (or `argo submit`, which talks to the API server).
 *  - **CRDs without downloads.** `crds.full: true` (the chart's default) installs no CRD but a hook Job that fetches them
 *    from raw.githubusercontent.com, which an air-gapped cluster cannot reach, and the install aborts. `crds.full: false`
 *    renders the eight minimal CRDs (`x-kubernetes-preserve-unknown-fields`, so no schema validation) as templates, kept
 *    on uninstall (`crds.keep`), so no kubectl image is needed at all.
 *  - **Team namespaces.** The controller watches every namespace (`singleNamespace: false`); `controller.workflowNamespaces`
 *    is the team namespaces, where the chart creates the `argo-workflow` ServiceAccount and its Role (workflow pods write
 *    their results as WorkflowTaskResults). `workflowDefaults` makes it every workflow's ServiceAccount.
 *  - **Restricted pods.** Team namespaces enforce Pod Security `restricted`: `workflowDefaults` gives every workflow pod
 *    a non-root UID and RuntimeDefault seccomp, and the executor (init and wait) and main containers drop every
 *    capability; a Workflow may override them. The controller's pod gets RuntimeDefault seccomp, which the chart lacks.
 *  - **Kueue.** Kueue has no Workflow integration; it admits each workflow pod on its own through the `pod` integration
 *    (already enabled, platform/components/kueue.ts) when the pod carries `kueue.x-k8s.io/queue-name`. `workflowDefaults`
 *    puts the team's LocalQueue (`default`) in every Workflow's `spec.podMetadata.labels`, so every pod is queued under
 *    its team's quota. A multi-step workflow is not admitted as a whole (a later step can wait for quota), and
 *    suspend/http/resource templates make no pod to queue (kubernetes-sigs/kueue@v0.19.2:site/content/en/docs/tasks/run/
 *    external_workloads/argo_workflow.md). The executor's containers have requests and limits, so the team's
 *    ResourceQuota admits them too.
 *
 *  - **Artifacts.** A team's read-write keys (`object-store-credentials`, platform/components/object-store.ts) are
 *    scoped to its own bucket, so one controller-wide `artifactRepository.s3` cannot serve every team: each team
 *    namespace gets an `artifact-repositories` ConfigMap naming its bucket, the store's endpoint and that Secret
 *    (charts/argo-artifacts.ts), when the store takes S3 keys. Path-style addressing against SeaweedFS is not verified
 *    on a running cluster.
 *
 * Next steps: the workflow archive on PostgreSQL (`controller.persistence`), the controller's metrics and
 * ServiceMonitor, and Workflow rights in the team Role (charts/team-tenancy.ts).
 */
export const argoWorkflows: ComponentDefinition = {
  id: "argo-workflows",
  title: "Argo Workflows",
  summary: "Pipelines as DAGs of containers (Workflow, CronWorkflow) in the team namespaces, each pod queued by Kueue",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  // Its pods run in the team namespaces, which MultiKueue profiles' workers have too; refused there for now.
  placement: "management-only",
  problems: multiKueueProblems,
  dependencies: () => [
    { id: "kueue", reason: "workflow pods are queued in their team's LocalQueue (Kueue's pod integration)" },
    { id: "tenancy", reason: "workflows run in the team namespaces, where the chart creates their ServiceAccount" },
    { id: "object-store", optional: true, reason: "workflow artifacts go to each team's bucket" },
  ],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => {
    const mirror = ctx.profile.mirror.images;
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "argo-workflows",
        primary: true,
        // The controller, its RBAC and the CRDs (kept on uninstall, with the teams' Workflows).
        onFailedInstall: "uninstall",
        values: {
          // Keys checked against argoproj/argo-helm@argo-workflows-1.0.18:charts/argo-workflows/values.yaml.
          // `Always` at the chart's default, for the controller and every workflow pod; the tags are pinned.
          images: { pullPolicy: "IfNotPresent" },
          crds: { full: false },
          workflow: { serviceAccount: { create: true, name: WORKFLOW_SERVICE_ACCOUNT } },
          controller: {
            image: argoImage("argo-workflow-controller", mirror),
            workflowNamespaces: teamNamespaces(ctx.profile),
            // The chart leaves them `{}` (values.yaml:375).
            resources: resources("50m", "128Mi", "500m", "512Mi"),
            // The container's securityContext default is restricted but for seccomp (values.yaml:220).
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            workflowDefaults: {
              spec: {
                serviceAccountName: WORKFLOW_SERVICE_ACCOUNT,
                podMetadata: { labels: { [QUEUE_LABEL]: TEAM_LOCAL_QUEUE } },
                securityContext: restrictedPodSecurityContext(DEFAULT_JOB_RUN_AS_USER),
              },
            },
          },
          executor: {
            image: argoImage("argoexec", mirror),
            resources: resources("10m", "64Mi", "500m", "256Mi"),
            securityContext: RESTRICTED_CONTAINER,
          },
          mainContainer: { securityContext: RESTRICTED_CONTAINER },
          server: { enabled: false },
        },
      },
      ...(hasArtifactStore(ctx)
        ? [
            {
              kind: "local" as const,
              name: ARTIFACTS_RELEASE,
              namespace: NAMESPACE,
              // ConfigMaps only; the artifacts live in the teams' buckets.
              onFailedInstall: "uninstall" as const,
              render: (app: Construct, id: string) =>
                new ArgoArtifactsChart(app, id, {
                  store: {
                    endpoint: objectStoreEndpoint(ctx.profile),
                    region: objectStoreRegion(ctx.profile),
                    credentialsSecret: s3CredentialsSecretName(ctx.profile),
                  },
                  teams: teamNames(ctx.profile).map((team) => ({
                    namespace: teamNamespace(team, ctx.profile.teams[team]),
                    bucket: teamBucket(ctx.profile, team),
                  })),
                }),
            },
          ]
        : []),
    ];
  },
};
