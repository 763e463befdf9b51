/**
 * MultiKueue on the local tier: a management cluster and its workers as local control planes in one network
 * namespace (the manager holds it; each worker joins it with its ports shifted, `up`'s `network`), so the
 * manager's Kueue reaches each worker's API server on https://127.0.0.1:<port>, as it reaches a worker's public
 * endpoint in production. Everything comes from what the platform renders (stacks/render-profile.ts):
 *  - each cluster's kueue release, its kueue-queues release (the manager's ClusterQueues carry the `multikueue`
 *    admission check), KubeRay's CRDs where the stack installs KubeRay, and the team namespaces;
 *  - on the manager, the multikueue release (MultiKueueClusters, MultiKueueConfig, AdmissionCheck);
 *  - on each worker, the least-privileged ServiceAccount, its ClusterRoles and bindings and its token Secret,
 *    built from the constants and rules stacks/multikueue-access.ts creates as Terraform resources;
 *  - on the manager, per worker, the kubeconfig Secret of stacks/app.ts (`multiKueueKubeconfig`): the worker's
 *    API server URL, its CA and the ServiceAccount's token, read once the token controller filled the Secret.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  MULTIKUEUE_CLUSTER_ROLE,
  MULTIKUEUE_CLUSTER_ROLE_BINDING,
  MULTIKUEUE_DISPATCH_ROLE,
  MULTIKUEUE_KUBECONFIG_KEY,
  MULTIKUEUE_NAMESPACE,
  MULTIKUEUE_SERVICE_ACCOUNT,
  MULTIKUEUE_TOKEN_SECRET,
  multiKueueKubeconfig,
} from "../../charts/multikueue";
import { multiKueueSecretName } from "../../platform/components/multikueue";
import { teamNamespaceSpecs } from "../../platform/components/teams";
import type { K8sObject, RenderedStack } from "../../reports/rendered";
import { multiKueueWorkerAccessRules } from "../../stacks/multikueue-access";
import { down, up } from "./cluster";
import type { ClusterTools } from "./config";
import type { LocalState } from "./processes";
import { runInNamespace } from "./processes";
import { kueueNamespaces, kueueReleaseObjects, startKueue } from "./simulate";

/** Worker n (from 1) of a scenario shifts its ports by n × this: apart from each other and from Kueue's ports. */
export const WORKER_PORT_STEP = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** kubectl against a cluster, inside its network namespace. */
export function kubectlFor(state: LocalState, tools: ClusterTools) {
  return (args: readonly string[], input?: string): Promise<string> =>
    runInNamespace(state, [tools.binaries.kubectl, "--kubeconfig", state.kubeconfig, ...args], {
      input,
      timeoutMs: 60_000,
    });
}

/** A release of a rendered stack, by name. */
export function renderedRelease(stack: RenderedStack, name: string): K8sObject[] {
  const release = stack.releases.find((r) => r.name === name);
  if (!release) throw new Error(`stack ${stack.stack} renders no "${name}" release`);
  return [...release.objects];
}

/** The stack of one worker in renderProfile's output (each worker's profile is `<profile>-<worker>`). */
export function workerStack(stacks: readonly RenderedStack[], worker: string): RenderedStack {
  const [management, ...workers] = stacks;
  const found = workers.find((s) => s.profile.name === `${management.profile.name}-${worker}`);
  if (!found) throw new Error(`profile ${management.profile.name} renders no stack for worker "${worker}"`);
  return found;
}

/** What `startKueue` applies on one cluster, from its rendered stack. */
export function stackKueueObjects(stack: RenderedStack, extraQueueObjects: readonly K8sObject[] = []) {
  const kueue = kueueReleaseObjects(renderedRelease(stack, "kueue"));
  const kuberay = stack.releases.some((r) => r.name === "kuberay-operator")
    ? renderedRelease(stack, "kuberay-operator")
    : [];
  return {
    namespaces: kueueNamespaces(stack.profile),
    // The manager's Kueue watches every enabled integration's kind on each worker: without KubeRay's CRDs there, its
    // RayJob watch fails and the worker never becomes active (kubernetes-sigs/kueue@v0.19.2:pkg/controller/
    // admissionchecks/multikueue/multikueuecluster.go, the adapters' establishWatcher).
    crds: [...kueue.crds, ...kuberay.filter((o) => o.kind === "CustomResourceDefinition")],
    objects: kueue.rest,
    queues: [...renderedRelease(stack, "kueue-queues"), ...extraQueueObjects],
  };
}

/**
 * A worker's MultiKueue access as Kubernetes objects: what stacks/multikueue-access.ts creates as Terraform
 * resources, from the same names and rules.
 */
export function workerAccessObjects(teamNamespaces: readonly string[]): K8sObject[] {
  const rules = multiKueueWorkerAccessRules();
  const subjects = [{ kind: "ServiceAccount", name: MULTIKUEUE_SERVICE_ACCOUNT, namespace: MULTIKUEUE_NAMESPACE }];
  const roleRef = (name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name });
  const rbac = "rbac.authorization.k8s.io/v1";
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: MULTIKUEUE_SERVICE_ACCOUNT, namespace: MULTIKUEUE_NAMESPACE },
      automountServiceAccountToken: false,
    },
    { apiVersion: rbac, kind: "ClusterRole", metadata: { name: MULTIKUEUE_CLUSTER_ROLE }, rules: rules.clusterWide },
    {
      apiVersion: rbac,
      kind: "ClusterRole",
      metadata: { name: MULTIKUEUE_DISPATCH_ROLE },
      rules: rules.perTeamNamespace,
    },
    ...teamNamespaces.map((namespace) => ({
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: MULTIKUEUE_DISPATCH_ROLE, namespace },
      roleRef: roleRef(MULTIKUEUE_DISPATCH_ROLE),
      subjects,
    })),
    {
      apiVersion: rbac,
      kind: "ClusterRoleBinding",
      metadata: { name: MULTIKUEUE_CLUSTER_ROLE_BINDING },
      roleRef: roleRef(MULTIKUEUE_CLUSTER_ROLE),
      subjects,
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: MULTIKUEUE_TOKEN_SECRET,
        namespace: MULTIKUEUE_NAMESPACE,
        annotations: { "kubernetes.io/service-account.name": MULTIKUEUE_SERVICE_ACCOUNT },
      },
      type: "kubernetes.io/service-account-token",
    },
  ];
}

/** The manager's Secret holding a worker's kubeconfig, as stacks/app.ts builds it. */
export function kubeconfigSecret(worker: string, server: string, caData: string, token: string): K8sObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: multiKueueSecretName(worker), namespace: MULTIKUEUE_NAMESPACE },
    stringData: {
      [MULTIKUEUE_KUBECONFIG_KEY]: multiKueueKubeconfig({ clusterName: worker, server, caData, token }),
    },
  };
}

export interface StartedWorker {
  readonly worker: string;
  readonly state: LocalState;
  /** For the manager: the Secret with this worker's kubeconfig. */
  readonly kubeconfigSecret: K8sObject;
}

/**
 * Starts worker number `index` (from 1) of a scenario in the manager's network namespace: its cluster with its
 * derived profile's nodes, its Kueue, its MultiKueue access; returns once its token is issued.
 */
export async function startWorker(options: {
  readonly root: string;
  readonly tools: ClusterTools;
  readonly manager: LocalState;
  readonly stacks: readonly RenderedStack[];
  readonly worker: string;
  readonly index: number;
  readonly name: string;
  readonly log?: (line: string) => void;
}): Promise<StartedWorker> {
  const stack = workerStack(options.stacks, options.worker);
  const { state } = await up({
    root: options.root,
    profile: stack.profile,
    name: options.name,
    network: { shareWith: options.manager, portOffset: options.index * WORKER_PORT_STEP },
    log: options.log,
  });
  // Once up, a failure stops this worker (its own processes only) before it is passed on.
  try {
    const logDir = join(options.root, ".local", "logs", options.name);
    await startKueue({ root: options.root, state, tools: options.tools, logDir, ...stackKueueObjects(stack) });
    const kubectl = kubectlFor(state, options.tools);
    const teams = teamNamespaceSpecs(stack.profile).map((ns) => ns.name);
    await kubectl(
      ["apply", "--server-side", "-f", "-"],
      JSON.stringify({ apiVersion: "v1", kind: "List", items: workerAccessObjects(teams) }),
    );
    // The token controller fills the Secret (token, ca.crt) a moment after it exists.
    let data: Record<string, string> = {};
    for (let i = 0; !data.token; i++) {
      if (i === 150) throw new Error(`worker ${options.worker}: ${MULTIKUEUE_TOKEN_SECRET} got no token within 30 s`);
      if (i > 0) await sleep(200);
      const out = await kubectl(["get", "secret", "-n", MULTIKUEUE_NAMESPACE, MULTIKUEUE_TOKEN_SECRET, "-o", "json"]);
      data = (JSON.parse(out) as { data?: Record<string, string> }).data ?? {};
    }
    // The API server URL kwokctl wrote, with this worker's port: what the cluster stack's connection host is.
    const kubeconfig = parse(readFileSync(state.kubeconfig, "utf8")) as {
      clusters: Array<{ cluster: { server: string } }>;
    };
    const token = Buffer.from(data.token, "base64").toString("utf8");
    return {
      worker: options.worker,
      state,
      kubeconfigSecret: kubeconfigSecret(options.worker, kubeconfig.clusters[0].cluster.server, data["ca.crt"], token),
    };
  } catch (error) {
    await down(options.root, options.name);
    throw error;
  }
}

/**
 * Starts the manager's Kueue on a running management cluster with its queues, the multikueue release and the
 * kubeconfig Secrets of the workers started so far; returns once its ClusterQueues are Active (the admission
 * check is active as soon as one worker is).
 */
export async function startManagerKueue(options: {
  readonly root: string;
  readonly tools: ClusterTools;
  readonly manager: LocalState;
  readonly stacks: readonly RenderedStack[];
  readonly workers: readonly StartedWorker[];
}): Promise<void> {
  const [stack] = options.stacks;
  await startKueue({
    root: options.root,
    state: options.manager,
    tools: options.tools,
    logDir: join(options.root, ".local", "logs", options.manager.name),
    ...stackKueueObjects(stack, [
      ...renderedRelease(stack, "multikueue"),
      ...options.workers.map((w) => w.kubeconfigSecret),
    ]),
  });
}
