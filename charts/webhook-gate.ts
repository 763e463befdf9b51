/**
 * A readiness gate for an operator's admission webhook. A Deployment reported ready is not enough
 * (Kueue's own CI hit "connection refused" from its webhook right after `kubectl wait`): this chart
 * runs a post-install/post-upgrade hook Job that sends a sample object with
 * `kubectl create --dry-run=server` until the API server, calling the webhook, accepts it. Helm
 * blocks on hook Jobs, so the release only succeeds once the webhook answers.
 *
 * The kubectl image is distroless (no shell), so retries come from the pod's `OnFailure` restarts
 * with the kubelet's back-off, bounded by `activeDeadlineSeconds`.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { stringify } from "yaml";

export interface WebhookGateChartProps {
  /** Names the Job, its ServiceAccount and RBAC. */
  readonly name: string;
  /** Namespace the Job runs in (the operator's). */
  readonly namespace: string;
  /** The sample object sent with `--dry-run=server` (never persisted). */
  readonly probe: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly namespace?: string };
  };
  /** The probe's resource (plural), for RBAC. */
  readonly resource: string;
  /** The kubectl image reference (pinned in the version table). */
  readonly image: string;
  /** Give up after this many seconds. @default 600 */
  readonly timeoutSeconds?: number;
}

export class WebhookGateChart extends Chart {
  constructor(scope: Construct, id: string, props: WebhookGateChartProps) {
    // No chart-level namespace: it would also be stamped on the cluster-scoped RBAC objects.
    super(scope, id, { disableResourceNameHashes: true });
    const namespace = props.namespace;
    const timeoutSeconds = props.timeoutSeconds ?? 600;
    const group = props.probe.apiVersion.includes("/") ? props.probe.apiVersion.split("/")[0] : "";
    const probeNamespace = props.probe.metadata.namespace;
    const rule = { apiGroups: [group], resources: [props.resource], verbs: ["create"] };
    const subject = { kind: "ServiceAccount", name: props.name, namespace: props.namespace };

    new ApiObject(this, "service-account", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: props.name, namespace },
    });
    // Namespaced probes need only a Role in the probe's namespace; cluster-scoped ones a ClusterRole.
    if (probeNamespace !== undefined) {
      new ApiObject(this, "role", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: props.name, namespace: probeNamespace },
        rules: [rule],
      });
      new ApiObject(this, "role-binding", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: props.name, namespace: probeNamespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: props.name },
        subjects: [subject],
      });
    } else {
      new ApiObject(this, "cluster-role", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: props.name },
        rules: [rule],
      });
      new ApiObject(this, "cluster-role-binding", {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: props.name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: props.name },
        subjects: [subject],
      });
    }
    new ApiObject(this, "probe", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `${props.name}-probe`, namespace },
      data: { "probe.yaml": stringify(props.probe, { sortMapEntries: true }) },
    });
    new ApiObject(this, "job", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: props.name,
        namespace,
        annotations: {
          "helm.sh/hook": "post-install,post-upgrade",
          "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
        },
      },
      spec: {
        backoffLimit: 30,
        activeDeadlineSeconds: timeoutSeconds,
        template: {
          spec: {
            serviceAccountName: props.name,
            restartPolicy: "OnFailure",
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "probe",
                image: props.image,
                args: ["create", "--dry-run=server", "-f", "/probe/probe.yaml"],
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [{ name: "probe", mountPath: "/probe", readOnly: true }],
              },
            ],
            volumes: [{ name: "probe", configMap: { name: `${props.name}-probe` } }],
          },
        },
      },
    });
  }
}
