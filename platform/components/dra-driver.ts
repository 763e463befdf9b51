import type { ComponentContext, ComponentDefinition } from "../component";
import { DRA_POOL_LABEL, poolNames, poolTolerations, usesDra } from "../../profiles/plan";
import type { Problem } from "../../profiles/problems";
import type { Profile } from "../../profiles/schema";
import { IMAGES, mirrored } from "../versions";
import { resources } from "./shared";

export const NAMESPACE = "dra-driver";

/** Helm release name; the chart names its DaemonSet and DeviceClasses' driver after the chart. */
export const RELEASE = "dra-driver-nvidia-gpu";

/** The pools whose GPUs are allocated through DRA, sorted. */
export function draPoolNames(profile: Profile): string[] {
  return poolNames(profile).filter((name) => usesDra(profile.pools[name].gpu));
}

/**
 * NVIDIA's DRA driver for GPUs (kubernetes-sigs/dra-driver-nvidia-gpu 0.4.1): a kubelet plugin on the nodes of
 * the profile's DRA pools publishes their GPUs and static MIG devices as ResourceSlices and prepares the devices a
 * pod's ResourceClaim was allocated; the chart also creates the DeviceClasses `gpu.nvidia.com` and `mig.nvidia.com`.
 *
 * The GPU Operator keeps the driver and container toolkit where the profile says it owns them, and its device
 * plugin stays off the DRA pools' nodes (their `nvidia.com/gpu.deploy.device-plugin=false` label): the two must not
 * share a node (the chart refuses to render GPU resources until `gpuResourcesEnabledOverride` says so,
 * templates/validation.yaml). ComputeDomains (multi-node NVLink) are off: no profile has such hardware.
 */
export const draDriver: ComponentDefinition = {
  id: "dra-driver",
  title: "NVIDIA DRA driver for GPUs",
  summary: "Dynamic Resource Allocation of GPUs and static MIG devices on the pools that ask for it (allocation: dra)",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  problems: (ctx) => draDriverProblems(ctx),
  // The GPU Operator installs the host driver and toolkit the kubelet plugin needs (where it owns them).
  dependencies: () => [
    { id: "gpu-operator", optional: true, reason: "the NVIDIA driver and CDI toolkit on the nodes" },
  ],
  // The kubelet plugin runs privileged with hostPath `/`, `/sys`, `/proc`, `/var/run/cdi` and the kubelet plugin
  // directories, with Bidirectional mount propagation (templates/kubeletplugin.yaml): only `privileged` admits it.
  namespaces: () => [{ name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } }],
  steps: (ctx) => {
    const pools = draPoolNames(ctx.profile).map((name) => ctx.profile.pools[name]);
    // Every DRA pool's taints, de-duplicated, beside the chart's own `nvidia.com/gpu` toleration (lists replace).
    const poolTolerationsText = new Set<string>();
    const tolerations = [
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
      ...pools.flatMap(poolTolerations),
    ].filter((t) => {
      const text = JSON.stringify(t);
      if (poolTolerationsText.has(text)) return false;
      poolTolerationsText.add(text);
      return true;
    });
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "dra-driver-nvidia-gpu",
        primary: true,
        // A DaemonSet, DeviceClasses and RBAC from the profile; no volume holds data.
        onFailedInstall: "uninstall",
        values: {
          // Keys checked against kubernetes-sigs/dra-driver-nvidia-gpu@v0.4.1:deployments/helm/dra-driver-nvidia-gpu/values.yaml.
          // Without it the chart asks the cluster which resource.k8s.io version it serves (templates/_helpers.tpl),
          // so a plan's output would depend on discovery; Kubernetes 1.34+ serves v1.
          resourceApiVersion: "resource.k8s.io/v1",
          // The device plugin is off on every DRA node (profiles/plan.ts poolNodeLabels); see above.
          gpuResourcesEnabledOverride: true,
          image: {
            repository: mirrored(IMAGES["dra-driver-nvidia-gpu"].repository, ctx.profile.mirror.images),
            tag: IMAGES["dra-driver-nvidia-gpu"].tag,
          },
          resources: { gpus: { enabled: true }, computeDomains: { enabled: false } },
          kubeletPlugin: {
            // Only the DRA pools' nodes: the chart's default affinity would select every NVIDIA node.
            nodeSelector: { [DRA_POOL_LABEL]: "dra" },
            tolerations,
            // The chart leaves them `{}`; the init container has no resources key (a posture exception).
            containers: { gpus: { resources: resources("50m", "64Mi", "500m", "256Mi") } },
          },
        },
      },
    ];
  },
};

/** DRA pools need the driver, and the driver needs DRA pools. */
function draDriverProblems(ctx: ComponentContext): Problem[] {
  const pools = draPoolNames(ctx.profile);
  const lifecycle = ctx.lifecycle("dra-driver");
  if (pools.length > 0 && lifecycle === "disabled") {
    return [
      {
        path: "components.dra-driver.lifecycle",
        value: lifecycle,
        allowed: `pools ${pools.join(", ")} allocate GPUs through DRA, which needs NVIDIA's DRA driver on their nodes; use "managed" (or "external" if you run it)`,
      },
    ];
  }
  if (pools.length === 0 && lifecycle === "managed") {
    return [
      {
        path: "components.dra-driver.lifecycle",
        value: lifecycle,
        allowed: 'no pool has gpu.allocation "dra", so the driver would have no node to run on; use "disabled"',
      },
    ];
  }
  return [];
}
