/**
 * The pods the GPU Operator makes from its ClusterPolicy, in container mode (the platform leaves
 * `sandboxWorkloads` off): one DaemonSet per enabled operand, on the nodes the operator labels
 * `nvidia.com/gpu.deploy.<operand>=true` (platform/nodes.ts). Facts from NVIDIA/gpu-operator@v26.7.0:
 *  - an operand runs when its field's `enabled` is true, or absent and the CRD's `IsEnabled()` defaults
 *    to true (api/nvidia/v1/clusterpolicy_types.go); the validator has no switch (controllers/state_manager.go);
 *  - `<operand>.resources` replaces requests and limits on every container of the operand's pod, and on
 *    the listed init containers; every `*-validation` init container gets `validator.resources`
 *    (controllers/object_controls.go, the Transform* functions);
 *  - the device plugin's and GPU feature discovery's `config-manager` pair exists only when
 *    `devicePlugin.config.name` is set; the MPS control daemon runs on nodes labelled
 *    `nvidia.com/mps.capable=true` (set by GPU feature discovery for MPS-configured nodes);
 *  - containers and images: assets/state-*, and the image fields of each ClusterPolicy section.
 */
import type { K8sObject } from "./rendered";
import type { Container, OperatorPod } from "./pods";

type Section = Record<string, unknown> & { enabled?: boolean; resources?: Container["resources"] };
type Policy = Record<string, Section | undefined>;

function imageOf(section: Section | undefined): string | undefined {
  const { repository, image, version } = (section ?? {}) as { repository?: string; image?: string; version?: string };
  if (!image) return undefined;
  const ref = repository ? `${repository}/${image}` : image;
  return version ? `${ref}${version.startsWith("sha256:") ? "@" : ":"}${version}` : ref;
}

function enabled(policy: Policy, field: string, ifAbsent: boolean): boolean {
  return policy[field]?.enabled ?? ifAbsent;
}

interface OperandPod {
  readonly daemonSet: string;
  readonly selector: Record<string, string>;
  readonly initContainers: Container[];
  readonly containers: Container[];
}

/** Every operand DaemonSet the policy makes in container mode, with its containers. */
function operandPods(policy: Policy): OperandPod[] {
  const deploy = (label: string) => ({ [`nvidia.com/gpu.deploy.${label}`]: "true" });
  const own = (field: string, name: string, image = imageOf(policy[field])): Container => ({
    name,
    image,
    resources: policy[field]?.resources,
  });
  const validation = (name: string): Container => ({
    name: `${name}-validation`,
    image: imageOf(policy.validator),
    resources: policy.validator?.resources,
  });
  const configManager = Boolean((policy.devicePlugin?.config as { name?: string } | undefined)?.name);
  const pluginImage = imageOf(policy.devicePlugin);
  const pods: OperandPod[] = [];
  const driver = policy.driver as (Section & { useNvidiaDriverCRD?: boolean; manager?: Section }) | undefined;
  if (enabled(policy, "driver", true) && !driver?.useNvidiaDriverCRD) {
    pods.push({
      daemonSet: "nvidia-driver-daemonset",
      selector: deploy("driver"),
      initContainers: [own("driver", "k8s-driver-manager", imageOf(driver?.manager))],
      containers: [own("driver", "nvidia-driver-ctr")],
    });
  }
  if (enabled(policy, "toolkit", true)) {
    pods.push({
      daemonSet: "nvidia-container-toolkit-daemonset",
      selector: deploy("container-toolkit"),
      initContainers: [validation("driver")],
      containers: [own("toolkit", "nvidia-container-toolkit-ctr")],
    });
  }
  const devicePlugin = enabled(policy, "devicePlugin", true);
  if (devicePlugin) {
    const configPair = (field: string) =>
      configManager
        ? {
            init: [own(field, "config-manager-init", pluginImage)],
            sidecar: [own(field, "config-manager", pluginImage)],
          }
        : { init: [], sidecar: [] };
    const pair = configPair("devicePlugin");
    pods.push({
      daemonSet: "nvidia-device-plugin-daemonset",
      selector: deploy("device-plugin"),
      initContainers: [validation("toolkit"), ...pair.init],
      containers: [own("devicePlugin", "nvidia-device-plugin"), ...pair.sidecar],
    });
    pods.push({
      daemonSet: "nvidia-device-plugin-mps-control-daemon",
      selector: { ...deploy("device-plugin"), "nvidia.com/mps.capable": "true" },
      initContainers: [
        validation("toolkit"),
        own("devicePlugin", "mps-control-daemon-mounts", pluginImage),
        ...pair.init,
      ],
      containers: [own("devicePlugin", "mps-control-daemon-ctr", pluginImage), ...pair.sidecar],
    });
  }
  if (enabled(policy, "dcgm", true)) {
    pods.push({
      daemonSet: "nvidia-dcgm",
      selector: deploy("dcgm"),
      initContainers: [validation("toolkit")],
      containers: [own("dcgm", "nvidia-dcgm-ctr")],
    });
  }
  if (enabled(policy, "dcgmExporter", true)) {
    pods.push({
      daemonSet: "nvidia-dcgm-exporter",
      selector: deploy("dcgm-exporter"),
      initContainers: [validation("toolkit")],
      containers: [own("dcgmExporter", "nvidia-dcgm-exporter")],
    });
  }
  if (enabled(policy, "gfd", true)) {
    pods.push({
      daemonSet: "gpu-feature-discovery",
      selector: deploy("gpu-feature-discovery"),
      initContainers: [
        validation("toolkit"),
        ...(configManager ? [own("gfd", "config-manager-init", pluginImage)] : []),
      ],
      containers: [
        own("gfd", "gpu-feature-discovery"),
        ...(configManager ? [own("gfd", "config-manager", pluginImage)] : []),
      ],
    });
  }
  if (enabled(policy, "migManager", true)) {
    pods.push({
      daemonSet: "nvidia-mig-manager",
      selector: deploy("mig-manager"),
      initContainers: [validation("toolkit")],
      containers: [own("migManager", "nvidia-mig-manager")],
    });
  }
  if (enabled(policy, "nodeStatusExporter", false)) {
    pods.push({
      daemonSet: "nvidia-node-status-exporter",
      selector: deploy("node-status-exporter"),
      initContainers: [],
      containers: [own("nodeStatusExporter", "nvidia-node-status-exporter")],
    });
  }
  pods.push({
    daemonSet: "nvidia-operator-validator",
    selector: deploy("operator-validator"),
    initContainers: ["driver", "toolkit", "cuda", ...(devicePlugin ? ["plugin"] : [])].map(validation),
    containers: [own("validator", "nvidia-operator-validator")],
  });
  return pods;
}

export function clusterPolicyPods(policy: K8sObject): OperatorPod[] {
  const spec = (policy.spec ?? {}) as Policy;
  const tolerations = (spec.daemonsets?.tolerations ?? []) as OperatorPod["spec"]["tolerations"];
  return operandPods(spec).map((pod) => ({
    workload: `DaemonSet/${pod.daemonSet}`,
    perNode: true,
    replicas: 0,
    spec: {
      nodeSelector: pod.selector,
      tolerations,
      initContainers: pod.initContainers,
      containers: pod.containers,
    },
  }));
}
