/**
 * What the local control plane is started from: the kwokctl configuration (component binaries, ports,
 * authorization and admission, kwok's Stages) and the objects `up` creates once the API answers (the default
 * StorageClass). Pure functions of the recorded cluster tools, so the tests check them without a cluster.
 *
 * kwokctl v0.8.0 facts this relies on (../shared/reference/facts-controlplane.md §2): local paths are accepted
 * for every binary (no download); `kubeVersion` must be set in the file (there is no flag); everything binds
 * 0.0.0.0 unless `bindAddress` is set; authorization and admission are off unless set; giving any Stage drops
 * all of kwok's default Stages, so all five are given here.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

/** The binaries scripts/cluster-tools.sh builds, by the name kwokctl and `up` use. */
export const CLUSTER_BINARIES = [
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "etcd",
  "kwok",
  "kwokctl",
  "kueue",
  "kuberay-operator",
  "jobset-controller",
  "trainer-controller-manager",
] as const;
export type ClusterBinary = (typeof CLUSTER_BINARIES)[number];

/** scripts/cluster-tools.sh's record (.tools/cluster-tools.json) of what it built where. */
export interface ClusterTools {
  readonly kubernetesVersion: string;
  readonly etcdVersion: string;
  readonly kwokVersion: string;
  readonly kueueVersion: string;
  readonly kuberayVersion: string;
  /** Absent in a record written before the Trainer and JobSet controllers were built. */
  readonly jobsetVersion?: string;
  readonly trainerVersion?: string;
  readonly binaries: Readonly<Record<ClusterBinary, string>>;
  readonly tofu: string;
  readonly helm: string;
  /** The CLI config with the real providers; empty when they were skipped (CNAI_SKIP_REAL_PROVIDERS=1). */
  readonly tofurcReal: string;
}

export const CLUSTER_TOOLS_RECORD = ".tools/cluster-tools.json";

/** The record's path in a checkout. */
export function clusterToolsRecord(root: string): string {
  return join(root, CLUSTER_TOOLS_RECORD);
}

/** The controllers only some runs start (RayJobs, TrainJobs), each when it was built. */
const OPTIONAL_BINARIES: readonly ClusterBinary[] = [
  "kuberay-operator",
  "jobset-controller",
  "trainer-controller-manager",
];

/** The binaries the control plane itself runs (Kueue's manager and the job operators are started separately, when at all). */
export const CONTROL_PLANE_BINARIES: readonly ClusterBinary[] = CLUSTER_BINARIES.filter(
  (b) => b !== "kueue" && !OPTIONAL_BINARIES.includes(b),
);

/**
 * What the tier always has. The KubeRay operator is built only when its pinned source can be had (the Go module
 * proxy refuses ray-operator v1.7.0; scripts/cluster-tools.sh), and a record written before the JobSet and Trainer
 * controllers were added lacks them, so only RayJob and TrainJob simulations ask for them.
 */
export const REQUIRED_BINARIES: readonly ClusterBinary[] = CLUSTER_BINARIES.filter(
  (b) => !OPTIONAL_BINARIES.includes(b),
);

/** Whether the record holds a KubeRay operator (see REQUIRED_BINARIES). */
export function hasKubeRay(tools: ClusterTools): boolean {
  const file = tools.binaries["kuberay-operator"];
  return Boolean(file) && existsSync(file);
}

/** Whether the record holds both the JobSet and the Kubeflow Trainer controllers (what a TrainJob runs on). */
export function hasTrainer(tools: ClusterTools): boolean {
  return (["jobset-controller", "trainer-controller-manager"] as const).every((b) => {
    const file = tools.binaries[b];
    return Boolean(file) && existsSync(file);
  });
}

/** Reads the record and checks the binaries asked for are there; the messages say which command fixes it. */
export function readClusterTools(root: string, needed: readonly ClusterBinary[] = REQUIRED_BINARIES): ClusterTools {
  const path = clusterToolsRecord(root);
  if (!existsSync(path)) {
    throw new Error(
      `${path} does not exist: the cluster tools were not built. Run 'npm run tools' ` +
        `(bash scripts/tools.sh) without CNAI_SKIP_CLUSTER_TOOLS=1; a cold build takes about 35 minutes on 2 cores.`,
    );
  }
  const tools = JSON.parse(readFileSync(path, "utf8")) as ClusterTools;
  for (const binary of needed) {
    const file = tools.binaries?.[binary];
    if (binary === "kuberay-operator" && !file) {
      throw new Error(
        `${path} has no KubeRay operator: 'npm run tools' skipped it because the Go module proxy does not give ray-operator ${tools.kuberayVersion}; ` +
          "set CNAI_KUBERAY_SOURCE to a source snapshot of that tag and run it again (scripts/cluster-tools.sh says how)",
      );
    }
    if (!file || !existsSync(file)) {
      throw new Error(
        `${path} names ${binary} at ${file ?? "(nothing)"}, which does not exist: run 'npm run tools' to build it again.`,
      );
    }
  }
  return tools;
}

/**
 * The address the apiserver advertises inside the cluster's network namespace (a documentation range,
 * RFC 5737): without an address beyond loopback and a default route it exits with "no default routes".
 */
export const NAMESPACE_ADDRESS = "192.0.2.1";

/**
 * Ports on 127.0.0.1 inside the cluster's own network namespace. Every cluster has its own loopback, so
 * two clusters use the same ports without meeting; fixed ports keep the kubeconfig and logs predictable.
 */
export const LOCAL_PORTS = {
  kubeApiserver: 6443,
  etcd: 2379,
  etcdPeer: 2380,
  kubeControllerManager: 10257,
  kubeScheduler: 10259,
  kwokController: 10247,
} as const;

/** The control plane's ports of one cluster: LOCAL_PORTS, or those shifted for a cluster sharing a namespace. */
export type LocalPorts = { readonly [K in keyof typeof LOCAL_PORTS]: number };

/**
 * LOCAL_PORTS shifted by `offset`, for a cluster that joins another's network namespace (one loopback for
 * both). The offset must be a multiple of 100: smaller ones make one cluster's etcd meet the other's etcd peer
 * port (2379 + 1 = 2380).
 */
export function shiftedPorts(offset: number): LocalPorts {
  if (!Number.isInteger(offset) || offset < 0 || offset % 100 !== 0 || offset > 5000) {
    throw new Error(`port offset ${offset}: give a multiple of 100 from 0 to 5000, one per cluster in the namespace`);
  }
  return Object.fromEntries(Object.entries(LOCAL_PORTS).map(([k, port]) => [k, port + offset])) as LocalPorts;
}

/**
 * Set on a Job's pod, kwok's pod-complete stage waits this long (a Go duration such as `90s`, or an RFC 3339
 * time) before it marks the pod Succeeded; without it the pod completes at once, as a real quick Job would.
 */
export const POD_COMPLETE_DELAY_ANNOTATION = "pod-complete.stage.kwok.x-k8s.io/delay";

/** The default StorageClass; `up`'s binder gives every pending claim a hostPath volume (no provisioner runs). */
export const STORAGE_CLASS = "standard";
/** Marks the volumes the binder made, so it deletes only its own once released. */
export const BINDER_LABEL = "local.cnai.io/bound-by";

function version(v: string): string {
  return v.startsWith("v") ? v : `v${v}`;
}

/** Client rate limits of the controller-manager and the scheduler (see kwokctlConfiguration). */
const CLIENT_LIMITS = [
  { key: "kube-api-qps", value: "300" },
  { key: "kube-api-burst", value: "500" },
];

/** The KwokctlConfiguration of a local cluster. */
export function kwokctlConfiguration(tools: ClusterTools, ports: LocalPorts = LOCAL_PORTS): Record<string, unknown> {
  const bin = tools.binaries;
  return {
    apiVersion: "config.kwok.x-k8s.io/v1alpha1",
    kind: "KwokctlConfiguration",
    options: {
      runtime: "binary",
      kubeVersion: version(tools.kubernetesVersion),
      etcdVersion: tools.etcdVersion.replace(/^v/, ""),
      bindAddress: "127.0.0.1",
      // Explicit: kwokctl leaves both off without a secure port, and the platform's RBAC and Pod Security must bite.
      securePort: true,
      kubeAuthorization: true,
      kubeAdmission: true,
      kubeApiserverPort: ports.kubeApiserver,
      etcdPort: ports.etcd,
      etcdPeerPort: ports.etcdPeer,
      kubeControllerManagerPort: ports.kubeControllerManager,
      kubeSchedulerPort: ports.kubeScheduler,
      kwokControllerPort: ports.kwokController,
      // kwok renews node leases; the heartbeat stage then only refreshes conditions now and then.
      nodeLeaseDurationSeconds: 40,
      kubeApiserverBinary: bin["kube-apiserver"],
      kubeControllerManagerBinary: bin["kube-controller-manager"],
      kubeSchedulerBinary: bin["kube-scheduler"],
      kubectlBinary: bin.kubectl,
      etcdBinary: bin.etcd,
      kwokControllerBinary: bin.kwok,
    },
    componentsPatches: [
      { name: "kube-apiserver", extraArgs: [{ key: "advertise-address", value: NAMESPACE_ADDRESS }] },
      // Tests throw the data away: no fsync makes etcd several times faster on a busy disk.
      { name: "etcd", extraArgs: [{ key: "unsafe-no-fsync", value: "true" }] },
      // The clients' default rate limits (controller-manager 20 requests/s, scheduler 50) bound a fleet-sized run:
      // in `npm run bench -- simulate` (1,000 Jobs on 100 nodes) a Job took a median 139 s from Kueue's admission to
      // its end for 5–20 s of work. Both flags exist in v1.35.8 (the scheduler's is deprecated, honoured without --config).
      { name: "kube-controller-manager", extraArgs: [...CLIENT_LIMITS, { key: "concurrent-job-syncs", value: "20" }] },
      { name: "kube-scheduler", extraArgs: [...CLIENT_LIMITS] },
    ],
  };
}

function stage(name: string, kind: "Node" | "Pod", spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "kwok.x-k8s.io/v1alpha1",
    kind: "Stage",
    metadata: { name },
    spec: { resourceRef: { apiGroup: "v1", kind }, ...spec },
  };
}

const READY_STATUS = '.status.conditions.[] | select( .type == "Ready" ) | .status';

/**
 * kwok's five Stages, written for this tier. Each statusTemplate is a strategic merge patch of the status
 * (kwok's rule for Nodes and Pods), so what a template leaves out (a node's capacity) stays as created.
 */
export function kwokStages(kubernetesVersion: string): Record<string, unknown>[] {
  const kubelet = version(kubernetesVersion);
  const nodeConditions = [
    "conditions:",
    "{{ range NodeConditions }}",
    "- type: {{ .type | Quote }}",
    "  status: {{ .status | Quote }}",
    "  reason: {{ .reason | Quote }}",
    "  message: {{ .message | Quote }}",
    "  lastHeartbeatTime: {{ Now | Quote }}",
    "  lastTransitionTime: {{ or $.metadata.creationTimestamp Now | Quote }}",
    "{{ end }}",
  ];
  // kwok's controller answers for every node's kubelet (logs, exec) on its own address: 127.0.0.1 here.
  const nodeAddresses = [
    "addresses:",
    "- type: InternalIP",
    '  address: {{ or NodeIP "127.0.0.1" | Quote }}',
    "- type: Hostname",
    "  address: {{ .metadata.name | Quote }}",
  ];
  return [
    // A new node (not Ready yet) becomes a Running, Ready node of this Kubernetes version.
    stage("node-initialize", "Node", {
      selector: { matchExpressions: [{ key: READY_STATUS, operator: "NotIn", values: ["True"] }] },
      next: {
        statusTemplate: [
          ...nodeConditions,
          ...nodeAddresses,
          "{{ with NodePort }}",
          "daemonEndpoints:",
          "  kubeletEndpoint:",
          "    Port: {{ . }}",
          "{{ end }}",
          "nodeInfo:",
          "  architecture: amd64",
          "  operatingSystem: linux",
          `  kubeletVersion: ${kubelet}`,
          `  kubeProxyVersion: ${kubelet}`,
          '  containerRuntimeVersion: "kwok://{{ Version }}"',
          '  kernelVersion: "kwok-{{ Version }}"',
          '  osImage: "kwok fake node"',
          "phase: Running",
        ].join("\n"),
      },
    }),
    // A Ready node refreshes its conditions every 10 to 20 minutes; its lease (kwok renews it) keeps it Ready.
    stage("node-heartbeat-with-lease", "Node", {
      selector: {
        matchExpressions: [
          { key: ".status.phase", operator: "In", values: ["Running"] },
          { key: READY_STATUS, operator: "In", values: ["True"] },
        ],
      },
      delay: { durationMilliseconds: 600000, jitterDurationMilliseconds: 1200000 },
      next: { statusTemplate: [...nodeConditions, ...nodeAddresses].join("\n") },
    }),
    // A scheduled pod runs at once: every container started and ready, init containers done (or, for sidecars, running).
    stage("pod-ready", "Pod", {
      selector: {
        matchExpressions: [
          { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
          { key: ".status.phase", operator: "In", values: ["Pending"] },
          { key: READY_STATUS, operator: "NotIn", values: ["True"] },
        ],
      },
      next: {
        statusTemplate: [
          "{{ $now := Now | Quote }}",
          "phase: Running",
          "startTime: {{ $now }}",
          "conditions:",
          '{{ range list "PodScheduled" "Initialized" "ContainersReady" "Ready" }}',
          "- type: {{ . }}",
          '  status: "True"',
          "  lastTransitionTime: {{ $now }}",
          "{{ end }}",
          "{{ range .spec.readinessGates }}",
          "- type: {{ .conditionType | Quote }}",
          '  status: "True"',
          "  lastTransitionTime: {{ $now }}",
          "{{ end }}",
          "containerStatuses:",
          "{{ range .spec.containers }}",
          "- name: {{ .name | Quote }}",
          "  image: {{ .image | Quote }}",
          "  ready: true",
          "  started: true",
          "  restartCount: 0",
          "  state: { running: { startedAt: {{ $now }} } }",
          "{{ end }}",
          "{{ with .spec.initContainers }}",
          "initContainerStatuses:",
          "{{ range . }}",
          "- name: {{ .name | Quote }}",
          "  image: {{ .image | Quote }}",
          "  ready: true",
          "  restartCount: 0",
          '{{ if eq (or .restartPolicy "") "Always" }}',
          "  started: true",
          "  state: { running: { startedAt: {{ $now }} } }",
          "{{ else }}",
          "  state: { terminated: { exitCode: 0, reason: Completed, startedAt: {{ $now }}, finishedAt: {{ $now }} } }",
          "{{ end }}",
          "{{ end }}",
          "{{ end }}",
          "{{ with NodeIPWith .spec.nodeName }}",
          "hostIP: {{ . | Quote }}",
          "hostIPs: [ { ip: {{ . | Quote }} } ]",
          "{{ end }}",
          '{{ with PodIPWith .spec.nodeName (or .spec.hostNetwork false) (or .metadata.uid "") .metadata.name .metadata.namespace }}',
          "podIP: {{ . | Quote }}",
          "podIPs: [ { ip: {{ . | Quote }} } ]",
          "{{ end }}",
        ].join("\n"),
      },
    }),
    // A running Job pod succeeds: at once, or after the delay its annotation asks for (a simulated run time).
    stage("pod-complete", "Pod", {
      selector: {
        matchExpressions: [
          { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
          { key: ".status.phase", operator: "In", values: ["Running"] },
          { key: ".metadata.ownerReferences.[].kind", operator: "In", values: ["Job"] },
        ],
      },
      delay: {
        durationMilliseconds: 0,
        durationFrom: { expressionFrom: `.metadata.annotations["${POD_COMPLETE_DELAY_ANNOTATION}"]` },
      },
      next: {
        statusTemplate: [
          "{{ $now := Now | Quote }}",
          "phase: Succeeded",
          "conditions:",
          '{{ range list "Ready" "ContainersReady" }}',
          "- type: {{ . }}",
          '  status: "False"',
          "  reason: PodCompleted",
          "  lastTransitionTime: {{ $now }}",
          "{{ end }}",
          "containerStatuses:",
          "{{ range .spec.containers }}",
          "- name: {{ .name | Quote }}",
          "  image: {{ .image | Quote }}",
          "  ready: false",
          "  started: false",
          "  restartCount: 0",
          "  state: { terminated: { exitCode: 0, reason: Completed, startedAt: {{ $now }}, finishedAt: {{ $now }} } }",
          "{{ end }}",
        ].join("\n"),
      },
    }),
    // No kubelet removes a deleted pod: kwok deletes it once it is marked for deletion.
    stage("pod-delete", "Pod", {
      selector: { matchExpressions: [{ key: ".metadata.deletionTimestamp", operator: "Exists" }] },
      next: { delete: true },
    }),
  ];
}

/** The file given to `kwokctl --config`: the configuration, then the Stages. */
export function kwokctlConfigYaml(tools: ClusterTools, ports: LocalPorts = LOCAL_PORTS): string {
  return [kwokctlConfiguration(tools, ports), ...kwokStages(tools.kubernetesVersion)]
    .map((doc) => stringify(doc, { lineWidth: 0 }))
    .join("---\n");
}

/** kind's default StorageClass, by name and shape; `up`'s binder stands in for its provisioner. */
export function storageClassObject(): Record<string, unknown> {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: STORAGE_CLASS,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: "rancher.io/local-path",
    reclaimPolicy: "Delete",
    // Claims bind when the binder pre-binds a volume to them, whether or not a pod uses them yet.
    volumeBindingMode: "WaitForFirstConsumer",
  };
}
