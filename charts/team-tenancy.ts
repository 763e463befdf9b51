/**
 * Tenancy guard rails for one team namespace: a ResourceQuota that mirrors the team's Kueue quota, a
 * LimitRange with container defaults, NetworkPolicies (default deny plus one allowance per purpose), a
 * `team-member` Role and its RoleBinding, and the workload ServiceAccount.
 * The Namespace itself is created by the caller with `teamNamespaceLabels(<cluster minor>)` plus Kueue's opt-in label.
 */
import { namespaceQuotaKey } from "../profiles/plan";
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { DNS_LABEL_FIX, isDnsLabel } from "../profiles/names";
import type { Resources } from "./resources";

export interface TeamQuota {
  /** CPU the team can obtain at most (Kueue nominal + borrowing), e.g. `"4"`. */
  readonly cpu: string;
  /** Memory the team can obtain at most, e.g. `"8Gi"`. */
  readonly memory: string;
  /** Extended resources (bare names, e.g. `nvidia.com/gpu`) and the whole units the team can obtain at most. */
  readonly extended: Readonly<Record<string, number>>;
}

/** A service the team's pods may reach, or a client that may reach them, selected by its namespace. */
export interface NamespacePeer {
  /** Names the NetworkPolicy (`allow-egress-to-<name>` / `allow-ingress-from-<name>`); a DNS-1123 label. */
  readonly name: string;
  readonly namespace: string;
  /** TCP ports. */
  readonly ports: readonly number[];
}

export interface TeamTenancyProps {
  /** The team namespace (created elsewhere); every object is placed in it. */
  readonly namespace: string;
  /** The most the team can obtain through Kueue; the ResourceQuota is set to exactly this. */
  readonly quota: TeamQuota;
  /** Requests and limits a container gets when it declares none, so the ResourceQuota admits it. */
  readonly containerDefaults: Resources;
  /**
   * Pods (non-terminal) the namespace may hold; a guard against runaway controllers, since Kueue does not count pods.
   * @default 100
   */
  readonly maxPods?: number;
  /**
   * Services the team may expose outside the cluster, capped by the ResourceQuota.
   * @default no LoadBalancer and no NodePort Service
   */
  readonly exposedServices?: { readonly loadBalancers: number; readonly nodePorts: number };
  /**
   * Services outside the namespace the team's pods may reach (MLflow, vector DB, object store, …).
   * @default []
   */
  readonly egressTo?: readonly NamespacePeer[];
  /**
   * Clients outside the namespace that may reach the team's pods, e.g. the KubeRay operator, which polls each
   * Ray head's dashboard (8265) for RayJob status.
   * @default []
   */
  readonly ingressFrom?: readonly NamespacePeer[];
  /**
   * Namespace whose pods (Prometheus) may reach every pod in the team namespace, on any port, to scrape metrics.
   * @default no monitoring ingress
   */
  readonly monitoringNamespace?: string;
  /**
   * Lets pods reach the Kubernetes API server (needed by the Ray autoscaler, not by KubeRay's job submitter).
   * @default false
   */
  readonly allowApiServerEgress?: boolean;
  /**
   * Egress to addresses outside the cluster, by CIDR: the cloud's workload-identity endpoints and object
   * storage APIs, which no pod or namespace selector can name.
   * @default []
   */
  readonly egressToCidrs?: ReadonlyArray<{
    readonly name: string;
    readonly cidr: string;
    readonly ports: readonly number[];
  }>;
  /**
   * Groups bound to the `team-member` Role.
   * @default []
   */
  readonly groups?: readonly string[];
  /**
   * Users bound to the `team-member` Role.
   * @default []
   */
  readonly users?: readonly string[];
  /**
   * Argo Workflows runs workflows in the namespace: members manage Workflows, WorkflowTemplates and CronWorkflows and
   * read what a run makes (TrainJobs and their JobSets, besides the pods, Jobs, RayJobs and InferenceServices they can
   * already see); workflow pods may reach the API server, where Argo's executor writes each step's result
   * (WorkflowTaskResults) and resource steps create and poll their objects.
   * @default false
   */
  readonly workflows?: boolean;
  /**
   * Custom resources of the platform's optional operators that members create and manage (TrainJobs,
   * SparkApplications); Kueue admits them like Jobs.
   * @default []
   */
  readonly teamKinds?: readonly { readonly apiGroup: string; readonly resources: readonly string[] }[];
  /**
   * Name of the ServiceAccount the team's workloads run as.
   * @default "workload"
   */
  readonly serviceAccount?: string;
}

export const TEAM_MEMBER_ROLE = "team-member";
export const DEFAULT_WORKLOAD_SERVICE_ACCOUNT = "workload";
export const DEFAULT_MAX_PODS = 100;

/**
 * Pod Security Admission labels of a team namespace: `restricted` is enforced at the cluster's Kubernetes minor
 * version (`v1.35`), so a cluster upgrade never starts rejecting pods by itself, while audit and warn use `latest`
 * to surface what a future version of `restricted` would reject before enforcement moves.
 */
export function teamNamespaceLabels(kubernetesMinor: string): Record<string, string> {
  if (!/^v\d+\.\d+$/.test(kubernetesMinor)) {
    throw new Error(
      `teamNamespaceLabels: kubernetesMinor "${kubernetesMinor}" is not a Kubernetes minor version; use the form v1.35`,
    );
  }
  return {
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": kubernetesMinor,
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/audit-version": "latest",
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/warn-version": "latest",
  };
}

const RBAC_GROUP = "rbac.authorization.k8s.io";
/** The label Argo puts on every pod of a workflow, valued with its name (argoproj/argo-workflows@v4.0.6:workflow/common/common.go:96). */
export const WORKFLOW_POD_LABEL = "workflows.argoproj.io/workflow";
const READ = ["get", "list", "watch"];
const MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"];

/**
 * A member's rights on Argo Workflows: what `kubectl` and `argo submit|get|logs|stop|delete` need in kube mode (the
 * Argo Server is off). WorkflowTaskResults are the executor's, read-only here; TrainJobs and JobSets are what a
 * pipeline's train step makes, read-only since a member's Workflow creates them with the workflow ServiceAccount.
 */
const WORKFLOW_RULES = [
  { apiGroups: ["argoproj.io"], resources: ["workflows", "workflowtemplates", "cronworkflows"], verbs: MANAGE },
  { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: READ },
  { apiGroups: ["trainer.kubeflow.org"], resources: ["trainjobs"], verbs: READ },
  { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: READ },
];

export class TeamTenancy extends Chart {
  constructor(scope: Construct, id: string, props: TeamTenancyProps) {
    super(scope, id);
    const namespace = props.namespace;
    const maxPods = props.maxPods ?? DEFAULT_MAX_PODS;
    const egressTo = props.egressTo ?? [];
    const ingressFrom = props.ingressFrom ?? [];
    const groups = props.groups ?? [];
    const users = props.users ?? [];
    const serviceAccount = props.serviceAccount ?? DEFAULT_WORKLOAD_SERVICE_ACCOUNT;
    validatePeers("egressTo", egressTo);
    validatePeers("ingressFrom", ingressFrom);
    validateExtended(props.quota.extended);
    if (!Number.isInteger(maxPods) || maxPods < 1)
      throw new Error(
        `maxPods must be a positive integer, got ${maxPods}; give the most pods the team may run at once, e.g. 100.`,
      );

    const metadata = (name: string) => ({ name, namespace });

    // Kueue admits by requests only, so only requests are capped: limits may legitimately exceed requests
    // (burstable pods), and a `limits.*` cap could reject pods Kueue has already admitted. Extended resources
    // cannot be overcommitted and Kubernetes only accepts the `requests.` prefix for them in a quota.
    const hard: Record<string, string> = {
      "requests.cpu": props.quota.cpu,
      "requests.memory": props.quota.memory,
    };
    // DRA devices are capped per DeviceClass, counted from the namespace's ResourceClaims.
    for (const [resource, amount] of Object.entries(props.quota.extended))
      hard[namespaceQuotaKey(resource)] = String(amount);
    hard.pods = String(maxPods);
    // Exposure outside the cluster is opt-in per team; the guardrail policies say why when it is refused.
    hard["services.loadbalancers"] = String(props.exposedServices?.loadBalancers ?? 0);
    hard["services.nodeports"] = String(props.exposedServices?.nodePorts ?? 0);
    new ApiObject(this, "resource-quota", {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: metadata("team-quota"),
      spec: { hard },
    });

    // Without defaults, a pod that declares no requests is rejected once a requests quota exists.
    new ApiObject(this, "limit-range", {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: metadata("container-defaults"),
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: { ...props.containerDefaults.requests },
            default: { ...props.containerDefaults.limits },
          },
        ],
      },
    });

    const everyPod = {};
    const tcp = (ports: readonly number[]) => ports.map((port) => ({ protocol: "TCP", port }));
    const inNamespace = (name: string) => ({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
    });
    const networkPolicy = (name: string, spec: Record<string, unknown>) =>
      new ApiObject(this, `network-policy-${name}`, {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: metadata(name),
        spec,
      });

    networkPolicy("default-deny-all", { podSelector: everyPod, policyTypes: ["Ingress", "Egress"] });
    // Ray head and workers, KServe predictors and jobs talk to each other on many (partly dynamic) ports.
    networkPolicy("allow-same-namespace", {
      podSelector: everyPod,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: everyPod }] }],
      egress: [{ to: [{ podSelector: everyPod }] }],
    });
    networkPolicy("allow-dns-egress", {
      podSelector: everyPod,
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ ...inNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    for (const peer of egressTo) {
      networkPolicy(`allow-egress-to-${peer.name}`, {
        podSelector: everyPod,
        policyTypes: ["Egress"],
        egress: [{ to: [inNamespace(peer.namespace)], ports: tcp(peer.ports) }],
      });
    }
    for (const peer of ingressFrom) {
      networkPolicy(`allow-ingress-from-${peer.name}`, {
        podSelector: everyPod,
        policyTypes: ["Ingress"],
        ingress: [{ from: [inNamespace(peer.namespace)], ports: tcp(peer.ports) }],
      });
    }
    if (props.monitoringNamespace !== undefined) {
      // Metrics ports differ per workload (Ray 8080, KServe, user code), so the whole namespace is open to Prometheus.
      networkPolicy("allow-monitoring-ingress", {
        podSelector: everyPod,
        policyTypes: ["Ingress"],
        ingress: [{ from: [inNamespace(props.monitoringNamespace)] }],
      });
    }
    // The API server runs outside the pod network (host network or outside the cluster), so no pod or namespace
    // selector can match it, and its IP is only known at run time. Policies see the endpoint after the Service's
    // DNAT, hence 6443 (kubeadm's, kind's) next to the Service port 443.
    const apiServerEgress = [{ ports: tcp([443, 6443]) }];
    if (props.allowApiServerEgress ?? false) {
      networkPolicy("allow-api-server-egress", {
        podSelector: everyPod,
        policyTypes: ["Egress"],
        egress: apiServerEgress,
      });
    } else if (props.workflows ?? false) {
      // Only workflow pods: their executor reports to the API server with the workflow ServiceAccount's token.
      networkPolicy("allow-workflow-api-server-egress", {
        podSelector: { matchExpressions: [{ key: WORKFLOW_POD_LABEL, operator: "Exists" }] },
        policyTypes: ["Egress"],
        egress: apiServerEgress,
      });
    }

    for (const peer of props.egressToCidrs ?? []) {
      networkPolicy(`allow-egress-to-${peer.name}`, {
        podSelector: everyPod,
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: peer.cidr } }], ports: tcp(peer.ports) }],
      });
    }

    new ApiObject(this, "role", {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: "Role",
      metadata: metadata(TEAM_MEMBER_ROLE),
      rules: [
        // No pod creation: bare pods bypass Kueue's queue; workloads go through Jobs, RayJobs and InferenceServices.
        { apiGroups: [""], resources: ["pods"], verbs: [...READ, "delete"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        // Since Kubernetes 1.35 a WebSocket exec/port-forward (a GET upgrade) is checked for `create` as well as `get`.
        { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["get", "create"] },
        // Secrets are managed too: anyone who can create a Job here can already mount (and so read) every Secret
        // in the namespace, so withholding read access would add friction without adding protection.
        {
          apiGroups: [""],
          resources: ["configmaps", "secrets", "services", "persistentvolumeclaims"],
          verbs: MANAGE,
        },
        // Read-only: why a pod was rejected or not scheduled.
        { apiGroups: [""], resources: ["events", "resourcequotas", "limitranges"], verbs: READ },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: READ },
        { apiGroups: ["batch"], resources: ["jobs"], verbs: MANAGE },
        { apiGroups: ["ray.io"], resources: ["rayjobs", "rayclusters"], verbs: MANAGE },
        { apiGroups: ["serving.kserve.io"], resources: ["inferenceservices"], verbs: MANAGE },
        // Kueue's objects are the platform's: members only watch where their workloads wait.
        { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads", "localqueues"], verbs: READ },
        ...(props.workflows ? WORKFLOW_RULES : []),
        ...(props.teamKinds ?? []).map((k) => ({
          apiGroups: [k.apiGroup],
          resources: [...k.resources],
          verbs: MANAGE,
        })),
      ],
    });

    const subjects = [
      ...groups.map((name) => ({ kind: "Group", apiGroup: RBAC_GROUP, name })),
      ...users.map((name) => ({ kind: "User", apiGroup: RBAC_GROUP, name })),
    ];
    if (subjects.length > 0) {
      new ApiObject(this, "role-binding", {
        apiVersion: `${RBAC_GROUP}/v1`,
        kind: "RoleBinding",
        metadata: metadata(TEAM_MEMBER_ROLE),
        roleRef: { apiGroup: RBAC_GROUP, kind: "Role", name: TEAM_MEMBER_ROLE },
        subjects,
      });
    }

    // Workloads get no API token unless a pod opts in (e.g. a Ray head with the autoscaler uses its own account).
    new ApiObject(this, "service-account", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: metadata(serviceAccount),
      automountServiceAccountToken: false,
    });
  }
}

function validatePeers(prop: string, peers: readonly NamespacePeer[]): void {
  const seen = new Set<string>();
  for (const peer of peers) {
    if (!isDnsLabel(peer.name)) {
      throw new Error(`${prop}: "${peer.name}" is not a DNS-1123 label; name the peer namespace: ${DNS_LABEL_FIX}.`);
    }
    if (seen.has(peer.name))
      throw new Error(`${prop}: "${peer.name}" appears twice; list each namespace once with all its ports.`);
    seen.add(peer.name);
    if (peer.ports.length === 0)
      throw new Error(`${prop}: "${peer.name}" has no ports; list the TCP ports the team may reach, e.g. [5000].`);
    for (const port of peer.ports) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`${prop}: "${peer.name}" has invalid port ${port}; use a whole number from 1 to 65535.`);
      }
    }
  }
}

function validateExtended(extended: Readonly<Record<string, number>>): void {
  for (const [resource, amount] of Object.entries(extended)) {
    // Extended resources are domain-qualified outside kubernetes.io, e.g. nvidia.com/gpu.
    if (!resource.includes("/") || resource.startsWith("requests.")) {
      throw new Error(
        `quota.extended: "${resource}" is not a bare extended resource name like nvidia.com/gpu; use <domain>/<name> without a requests. prefix.`,
      );
    }
    if (!Number.isInteger(amount) || amount < 0) {
      throw new Error(
        `quota.extended: "${resource}" must be a whole, non-negative number, got ${amount}; devices are counted whole.`,
      );
    }
  }
}
