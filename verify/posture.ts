/**
 * Security and resource posture of every container the rendered platform would run (reports/pods.ts):
 * long-running pods, Jobs and Helm hooks alike. Each container must have CPU and memory requests and
 * limits, run as non-root, not escalate privileges, not be privileged, and use a pinned image (a tag
 * other than `latest`, or a digest); its pod must not use host paths, the host network, PID or IPC
 * namespace. For pods an operator makes from our custom resources, the operator owns the security
 * context: only resources and the image are ours to check there.
 *
 * A finding fails the posture test unless POSTURE_EXCEPTIONS lists it with its reason and source;
 * an exception that no longer matches anything fails too, so the list cannot go stale.
 */
import type { Container, PodKind } from "../reports/pods";

export type PostureCheck =
  | "requests"
  | "limits"
  | "run-as-non-root"
  | "privilege-escalation"
  | "privileged"
  | "host-path"
  | "host-namespaces"
  | "image-pinned";

export interface PostureFinding {
  readonly release: string;
  readonly workload: string;
  /** The container's name; `*` for pod-level findings. */
  readonly container: string;
  readonly check: PostureCheck;
  readonly detail: string;
}

export interface PostureException {
  readonly release: string;
  /** `<Kind>/<name>` as in the findings. */
  readonly workload: string;
  /** A container name; `*` for every container of the pod (and pod-level findings). */
  readonly container: string;
  readonly checks: readonly PostureCheck[];
  readonly reason: string;
  /** Where the need is documented upstream. */
  readonly source: string;
}

/** An image reference is pinned when it names a tag other than `latest`, or a digest. */
export function imagePinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.indexOf(":");
  if (colon < 0) return false;
  const tag = lastSegment.slice(colon + 1);
  return tag !== "" && tag !== "latest";
}

function containerFindings(kind: PodKind, c: Container, isInit: boolean): PostureFinding[] {
  const findings: PostureFinding[] = [];
  const add = (check: PostureCheck, detail: string) =>
    findings.push({ release: kind.release, workload: kind.workload, container: c.name, check, detail });
  const missing = (which: "requests" | "limits") =>
    (["cpu", "memory"] as const).filter((unit) => c.resources?.[which]?.[unit] === undefined);
  const noRequests = missing("requests");
  if (noRequests.length > 0) add("requests", `no ${noRequests.join(" or ")} request`);
  const noLimits = missing("limits");
  if (noLimits.length > 0) add("limits", `no ${noLimits.join(" or ")} limit`);
  if (c.image === undefined || !imagePinned(c.image)) add("image-pinned", `image "${c.image ?? ""}" is not pinned`);
  if (kind.madeBy === "operator") return findings;
  const pod = kind.spec.securityContext ?? {};
  const own = c.securityContext ?? {};
  if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true || (own.runAsUser ?? pod.runAsUser) === 0)
    add("run-as-non-root", "runAsNonRoot is not true (container or pod)");
  if (own.allowPrivilegeEscalation !== false) add("privilege-escalation", "allowPrivilegeEscalation is not false");
  if (own.privileged === true) add("privileged", `privileged${isInit ? " init container" : ""}`);
  return findings;
}

export function postureFindings(kinds: readonly PodKind[]): PostureFinding[] {
  return kinds.flatMap((kind) => {
    const pod: PostureFinding[] = [];
    const add = (check: PostureCheck, detail: string) =>
      pod.push({ release: kind.release, workload: kind.workload, container: "*", check, detail });
    const hostPaths = (kind.spec.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name);
    if (hostPaths.length > 0) add("host-path", `hostPath volumes: ${hostPaths.join(", ")}`);
    const namespaces = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => kind.spec[f] === true);
    if (namespaces.length > 0) add("host-namespaces", namespaces.join(", "));
    return [
      ...pod,
      ...(kind.spec.initContainers ?? []).flatMap((c) => containerFindings(kind, c, true)),
      ...kind.spec.containers.flatMap((c) => containerFindings(kind, c, false)),
    ];
  });
}

export function covers(exception: PostureException, finding: PostureFinding): boolean {
  return (
    exception.release === finding.release &&
    exception.workload === finding.workload &&
    (exception.container === "*" || exception.container === finding.container) &&
    exception.checks.includes(finding.check)
  );
}

const GPU_OPERATOR_TEMPLATES = "NVIDIA/gpu-operator@v26.7.0:deployments/gpu-operator/templates";

/** The findings the platform accepts, each with why and where upstream says so. Nothing else may appear. */
export const POSTURE_EXCEPTIONS: readonly PostureException[] = [
  {
    release: "kube-prometheus-stack",
    workload: "DaemonSet/kube-prometheus-stack-prometheus-node-exporter",
    container: "*",
    checks: ["host-path", "host-namespaces"],
    reason:
      "node-exporter reports the host's metrics: it reads the host's /proc, /sys and root file system, in its network and PID namespaces",
    source:
      "prometheus-community/helm-charts@kube-prometheus-stack-88.5.3:charts/prometheus-node-exporter/templates/daemonset.yaml (hostNetwork, hostPID and the proc/sys/root hostPath volumes)",
  },
  {
    release: "gpu-operator",
    workload: "DaemonSet/gpu-operator-node-feature-discovery-worker",
    container: "*",
    checks: ["host-path"],
    reason:
      "Node Feature Discovery labels nodes from the host's /boot, /sys, /usr/lib, /lib and os-release (its container is otherwise non-root, read-only and without privileges)",
    source:
      "NVIDIA/gpu-operator@v26.7.0:deployments/gpu-operator/charts/node-feature-discovery/templates/worker.yaml (NFD v0.19.0, vendored)",
  },
  {
    release: "gpu-operator",
    workload: "Deployment/gpu-operator",
    container: "gpu-operator",
    checks: ["run-as-non-root", "privilege-escalation"],
    reason: "the chart's operator Deployment has no securityContext and no values key that sets one",
    source: `${GPU_OPERATOR_TEMPLATES}/operator.yaml`,
  },
  {
    release: "gpu-operator",
    workload: "Job/gpu-operator-cleanup-gpucluster",
    container: "cleanup-gpucluster",
    checks: ["requests", "limits", "run-as-non-root", "privilege-escalation"],
    reason:
      "a pre-delete hook that runs for seconds when the release is uninstalled; its template sets neither resources nor a securityContext, and no values key does",
    source: `${GPU_OPERATOR_TEMPLATES}/cleanup_gpucluster.yaml`,
  },
  {
    release: "gpu-operator",
    workload: "Job/gpu-operator-upgrade-crd",
    container: "upgrade-crd",
    checks: ["requests", "limits", "run-as-non-root", "privilege-escalation"],
    reason:
      "a pre-upgrade hook that applies the operator's CRDs on chart upgrades (Helm never upgrades crds/); its template sets neither resources nor a securityContext, and no values key does",
    source: `${GPU_OPERATOR_TEMPLATES}/upgrade_crd.yaml (operator.upgradeCRD)`,
  },
  {
    release: "kepler",
    workload: "DaemonSet/kepler",
    container: "*",
    checks: ["host-path", "host-namespaces", "privileged", "run-as-non-root", "privilege-escalation"],
    reason:
      "Kepler reads the host's RAPL energy counters under /sys/class/powercap (readable by root only since the CVE-2020-8694 fix) and every process's CPU time under /proc, in the host PID namespace, to split node energy over pods; a privileged container cannot set allowPrivilegeEscalation: false (the API server rejects it). Only on profiles that opt in (platform/components/kepler.ts)",
    source:
      "sustainable-computing-io/kepler@v0.11.4:manifests/helm/kepler/templates/daemonset.yaml (hostPID, /sys and /proc hostPath, values.yaml daemonset.securityContext privileged: true, runAsNonRoot: false)",
  },
  {
    release: "dra-driver-nvidia-gpu",
    workload: "DaemonSet/dra-driver-nvidia-gpu-kubelet-plugin",
    container: "*",
    checks: ["host-path", "privileged", "run-as-non-root", "privilege-escalation"],
    reason:
      "NVIDIA's DRA kubelet plugin registers with the kubelet through its plugin directories, writes CDI specs to /var/run/cdi and prepares the GPUs (and MIG devices) a claim was allocated from the host's driver root, with Bidirectional mount propagation, which only a privileged container may use; a privileged container cannot set allowPrivilegeEscalation: false. Only on profiles with DRA pools, and only on their nodes (platform/components/dra-driver.ts)",
    source:
      "kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu/templates/kubeletplugin.yaml (init-container privileged: true; values.yaml kubeletPlugin.containers.gpus.securityContext privileged: true; hostPath volumes)",
  },
  {
    release: "dra-driver-nvidia-gpu",
    workload: "DaemonSet/dra-driver-nvidia-gpu-kubelet-plugin",
    container: "init-container",
    checks: ["requests", "limits"],
    reason:
      "The chart renders the kubelet plugin's init container (a prestart script that checks the driver root) with no resources and no values key to set them; it exits before the plugin starts, so the pod's effective requests are the plugin container's",
    source:
      "kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu/templates/kubeletplugin.yaml (initContainers: init-container, no resources field)",
  },
];

/** Every image reference anywhere in the rendered objects (pod templates, runtimes, storage containers). */
export function renderedImages(objects: ReadonlyArray<Record<string, unknown>>): string[] {
  const images: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === "object")
      for (const [key, inner] of Object.entries(value)) {
        if (key === "image" && typeof inner === "string") images.push(inner);
        else walk(inner);
      }
  };
  // The ClusterPolicy spells images as repository/image/version; its operands are checked as pods.
  objects.filter((o) => o.kind !== "ClusterPolicy").forEach(walk);
  return [...new Set(images)].sort();
}
