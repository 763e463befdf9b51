/**
 * Kueue MultiKueue (v0.19.2) wiring, both sides:
 *  - `MultiKueueManager` (management cluster): one MultiKueueCluster per worker, the MultiKueueConfig
 *    listing them, and the AdmissionCheck a ClusterQueue names to dispatch through them;
 *  - `multiKueueWorkerRules` (each worker): the RBAC of the least-privileged ServiceAccount the manager acts as
 *    (created as Terraform resources in stacks/multikueue-access.ts, which needs the token as an output),
 *    with a long-lived token Secret;
 *  - `multiKueueKubeconfig()`: the kubeconfig the manager reads from a Secret (key `kubeconfig`).
 * Field names follow the pinned v1beta2 CRDs (kubernetes-sigs/kueue@v0.19.2:config/components/crd/bases); the RBAC and the
 * kubeconfig shape follow kubernetes-sigs/kueue@v0.19.2:site/static/examples/multikueue/create-multikueue-kubeconfig.sh.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { stringify } from "yaml";
import { DNS_LABEL_FIX, DNS_SUBDOMAIN_FIX, isDnsLabel, isDnsSubdomain } from "../profiles/names";
import { KUEUE_API_VERSION } from "./kueue-queues";

/** The controller that runs MultiKueue admission checks. */
export const MULTIKUEUE_CONTROLLER_NAME = "kueue.x-k8s.io/multikueue";
/** The data key of a worker's kubeconfig Secret (Kueue's `MultiKueueConfigSecretKey`). */
export const MULTIKUEUE_KUBECONFIG_KEY = "kubeconfig";
/** Where Kueue runs on every cluster; the manager reads kubeconfig Secrets from its own namespace. */
export const MULTIKUEUE_NAMESPACE = "kueue-system";
/** The worker-side ServiceAccount, named as in Kueue's script. */
export const MULTIKUEUE_SERVICE_ACCOUNT = "multikueue-sa";

/** The names of a worker's access objects, all derived from its ServiceAccount's name. */
export function multiKueueWorkerAccessNames(serviceAccount: string = MULTIKUEUE_SERVICE_ACCOUNT): {
  readonly clusterRole: string;
  readonly clusterRoleBinding: string;
  readonly dispatchRole: string;
  readonly tokenSecret: string;
} {
  return {
    clusterRole: `${serviceAccount}-role`,
    clusterRoleBinding: `${serviceAccount}-crb`,
    dispatchRole: `${serviceAccount}-dispatch`,
    tokenSecret: `${serviceAccount}-token`,
  };
}

const DEFAULT_NAMES = multiKueueWorkerAccessNames();
export const MULTIKUEUE_CLUSTER_ROLE = DEFAULT_NAMES.clusterRole;
export const MULTIKUEUE_CLUSTER_ROLE_BINDING = DEFAULT_NAMES.clusterRoleBinding;
/** The ClusterRole with the write rights, bound only by RoleBindings (of the same name) in the team namespaces. */
export const MULTIKUEUE_DISPATCH_ROLE = DEFAULT_NAMES.dispatchRole;
/** The `kubernetes.io/service-account-token` Secret whose `token` and `ca.crt` go into the manager's kubeconfig. */
export const MULTIKUEUE_TOKEN_SECRET = DEFAULT_NAMES.tokenSecret;

/** MultiKueueConfig `spec.clusters`: minItems 1, maxItems 20 in the pinned CRD. */
const MIN_CLUSTERS = 1;
const MAX_CLUSTERS = 20;

export interface MultiKueueWorkerRef {
  /** The MultiKueueCluster's name (a DNS-1123 subdomain). */
  readonly name: string;
  /** The Secret in the manager's Kueue namespace holding the worker's kubeconfig under `kubeconfig`. */
  readonly kubeconfigSecret: string;
}

export interface MultiKueueManagerProps {
  /**
   * The workers. Their order does not steer dispatch: the platform's Kueue Configuration sets no `multiKueue`
   * block, so the dispatcher is AllAtOnce (kubernetes-sigs/kueue@v0.19.2:apis/config/v1beta2/defaults.go), which
   * copies a workload to every active worker and keeps the one that reserves quota first; only the Incremental
   * dispatcher with the MultiKueueIncrementalDispatcherRespectConfigOrder gate follows this order. Shown on the
   * local tier (test/scripts/local/multikueue-sim.test.ts).
   */
  readonly clusters: ReadonlyArray<MultiKueueWorkerRef>;
  /** The MultiKueueConfig's name; a DNS-1123 label, as the AdmissionCheck's `parameters.name` requires. */
  readonly configName: string;
  /** The AdmissionCheck's name, which ClusterQueues list in `admissionChecksStrategy.admissionChecks`. */
  readonly admissionCheckName: string;
}

export class MultiKueueManager extends Chart {
  constructor(scope: Construct, id: string, props: MultiKueueManagerProps) {
    super(scope, id);
    validateManagerProps(props);

    for (const cluster of props.clusters) {
      new ApiObject(this, `cluster-${cluster.name}`, {
        apiVersion: KUEUE_API_VERSION,
        kind: "MultiKueueCluster",
        metadata: { name: cluster.name },
        // v1beta2 moved v1beta1's `spec.kubeConfig` under `clusterSource` (next to `clusterProfileRef`).
        spec: { clusterSource: { kubeConfig: { locationType: "Secret", location: cluster.kubeconfigSecret } } },
      });
    }

    new ApiObject(this, "config", {
      apiVersion: KUEUE_API_VERSION,
      kind: "MultiKueueConfig",
      metadata: { name: props.configName },
      spec: { clusters: props.clusters.map((cluster) => cluster.name) },
    });

    new ApiObject(this, "admission-check", {
      apiVersion: KUEUE_API_VERSION,
      kind: "AdmissionCheck",
      metadata: { name: props.admissionCheckName },
      spec: {
        controllerName: MULTIKUEUE_CONTROLLER_NAME,
        parameters: { apiGroup: "kueue.x-k8s.io", kind: "MultiKueueConfig", name: props.configName },
      },
    });
  }
}

function validateManagerProps(props: MultiKueueManagerProps): void {
  const count = props.clusters.length;
  if (count < MIN_CLUSTERS || count > MAX_CLUSTERS) {
    throw new Error(
      `MultiKueueManager: clusters has ${count} worker clusters; a MultiKueueConfig takes ${MIN_CLUSTERS} to ${MAX_CLUSTERS}, so give at least one and split larger fleets over several configs.`,
    );
  }
  const seen = new Set<string>();
  for (const cluster of props.clusters) {
    if (!isDnsSubdomain(cluster.name)) {
      throw new Error(
        `MultiKueueManager: cluster name "${cluster.name}" is not a DNS-1123 subdomain; ${DNS_SUBDOMAIN_FIX}.`,
      );
    }
    if (seen.has(cluster.name))
      throw new Error(
        `MultiKueueManager: cluster "${cluster.name}" appears twice; give each worker cluster a unique name.`,
      );
    seen.add(cluster.name);
    if (!isDnsSubdomain(cluster.kubeconfigSecret)) {
      throw new Error(
        `MultiKueueManager: kubeconfig Secret "${cluster.kubeconfigSecret}" of cluster "${cluster.name}" is not a DNS-1123 subdomain; name the Secret alone (it lives in the manager's Kueue namespace) and ${DNS_SUBDOMAIN_FIX}.`,
      );
    }
  }
  if (!isDnsLabel(props.configName)) {
    throw new Error(`MultiKueueManager: config name "${props.configName}" is not a DNS-1123 label; ${DNS_LABEL_FIX}.`);
  }
  if (!isDnsSubdomain(props.admissionCheckName)) {
    throw new Error(
      `MultiKueueManager: admission check name "${props.admissionCheckName}" is not a DNS-1123 subdomain; ${DNS_SUBDOMAIN_FIX}.`,
    );
  }
}

const READ = ["get", "list", "watch"];

export interface MultiKueueWorkerRules {
  /**
   * Bound cluster-wide (ClusterRoleBinding): reads only. On connecting, the manager opens one watch per kind
   * with nothing but a label selector (`kueue.x-k8s.io/multikueue-origin`), i.e. across all namespaces, and a
   * failed watch marks the whole MultiKueueCluster inactive; its garbage collector lists remote Workloads the
   * same way (kubernetes-sigs/kueue@v0.19.2:pkg/controller/admissionchecks/multikueue/multikueuecluster.go,
   * `establishWatch` and `runGC`). ClusterQueues are cluster-scoped: read by quota automation.
   */
  readonly clusterWide: Array<Record<string, string[]>>;
  /**
   * Bound by a RoleBinding in each team namespace only: creating, changing and deleting the Workloads and jobs
   * it dispatches. A dispatched object always lands in the namespace of its origin, a team namespace, so
   * nothing is ever written to kube-system, the GPU operator's namespace or any other.
   */
  readonly perTeamNamespace: Array<Record<string, string[]>>;
}

/**
 * The worker's RBAC: the rows of Kueue's create-multikueue-kubeconfig.sh (v0.19.2), which binds them all
 * cluster-wide, split so that only reads are cluster-wide. Kinds are those this platform runs through Kueue
 * (platform/components/kueue.ts KUEUE_FRAMEWORKS). The manager builds one MultiKueue adapter per *enabled
 * integration* and watches each adapter's kind on every worker. Hence:
 *  - pods are kept although the platform dispatches no bare Pods: the `pod` integration is enabled (for KServe
 *    predictors), so its adapter watches pods on every worker (and `deployment` pods are dispatched as Pods);
 *  - JobSet, LeaderWorkerSet, StatefulSet, AppWrapper and the Kubeflow jobs are left out: the platform installs
 *    none of them on a profile with workers (JobSet and Kubeflow Trainer are a profile error there,
 *    platform/components/jobset.ts `multiKueueKindProblems`), so its Kueue never enables their integrations and no
 *    adapter ever touches them.
 */
export function multiKueueWorkerRules(includeRay: boolean): MultiKueueWorkerRules {
  const ray = includeRay;
  return {
    clusterWide: [
      { apiGroups: ["batch"], resources: ["jobs"], verbs: READ },
      { apiGroups: ["batch"], resources: ["jobs/status"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], verbs: READ },
      { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads"], verbs: READ },
      { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads/status"], verbs: ["get"] },
      // Read by MultiKueueManagerQuotaAutomation (MultiKueueConfig `quotaManagement: Automated`).
      { apiGroups: ["kueue.x-k8s.io"], resources: ["clusterqueues", "localqueues"], verbs: READ },
      ...(ray
        ? [
            { apiGroups: ["ray.io"], resources: ["rayjobs", "rayclusters", "rayservices"], verbs: READ },
            {
              apiGroups: ["ray.io"],
              resources: ["rayjobs/status", "rayclusters/status", "rayservices/status"],
              verbs: ["get"],
            },
          ]
        : []),
    ],
    perTeamNamespace: [
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "delete"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"] },
      // The remote Workload is created by the manager, which then keeps its admission state in sync.
      { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads"], verbs: ["create", "delete", "update", "patch"] },
      { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads/status"], verbs: ["patch", "update"] },
      ...(ray
        ? [
            { apiGroups: ["ray.io"], resources: ["rayjobs", "rayservices"], verbs: ["create", "delete"] },
            // The manager pushes worker-group replica changes to the remote RayCluster (elastic RayClusters).
            { apiGroups: ["ray.io"], resources: ["rayclusters"], verbs: ["create", "delete", "update", "patch"] },
          ]
        : []),
    ],
  };
}

export interface MultiKueueKubeconfigArgs {
  /** Names the kubeconfig's cluster, user (`<clusterName>-multikueue`) and context. */
  readonly clusterName: string;
  /** The worker's API server URL; its host must be an IP or a DNS-1123 name (Kueue rejects anything else). */
  readonly server: string;
  /** The worker's CA bundle, base64-encoded (the form of a token Secret's `data["ca.crt"]`). */
  readonly caData: string;
  /** The worker ServiceAccount's token, in plain text (Kubernetes' `data.token` decoded). */
  readonly token: string;
  /**
   * The context's default namespace.
   * @default none (MultiKueue always names the namespace of each object it creates)
   */
  readonly namespace?: string;
}

/**
 * A kubeconfig MultiKueue's `validateKubeconfig` accepts: a static token user and inline
 * `certificate-authority-data` (no exec, auth provider, token file, CA file or insecure-skip-tls-verify).
 * Every argument may be a cdktf token (`${TfToken[...]}`) resolved at apply time, so nothing is parsed or
 * checked beyond being non-empty, and every value is double-quoted: the substituted values (URL, base64,
 * JWT) can never break out of a double-quoted scalar, whatever they contain of `:`, `#` or `{`.
 */
export function multiKueueKubeconfig(args: MultiKueueKubeconfigArgs): string {
  for (const [key, value] of Object.entries(args)) {
    if (value === "") throw new Error(`multiKueueKubeconfig: ${key} is empty; pass the worker cluster's ${key}.`);
  }
  const user = `${args.clusterName}-multikueue`;
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: args.clusterName, cluster: { server: args.server, "certificate-authority-data": args.caData } }],
    contexts: [
      {
        name: args.clusterName,
        context: {
          cluster: args.clusterName,
          user,
          ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
        },
      },
    ],
    "current-context": args.clusterName,
    users: [{ name: user, user: { token: args.token } }],
  };
  // lineWidth 0: no folding, so a value substituted later sits on one line inside its quotes.
  return stringify(kubeconfig, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN", lineWidth: 0 });
}
