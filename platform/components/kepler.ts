import type { ComponentContext, ComponentDefinition } from "../component";
import type { Problem } from "../../profiles/problems";
import { gpuPoolNames } from "../../profiles/rules";
import type { Profile } from "../../profiles/schema";
import { IMAGES, mirrored } from "../versions";
import { monitoringEnabled, resources } from "./shared";

export const NAMESPACE = "kepler";

/** Helm release name; the chart names its DaemonSet, Service and ServiceMonitor after it. */
export const RELEASE = "kepler";

/** The RAPL zones Kepler reads, and the ones the energy queries sum (reports/energy.ts). */
export const RAPL_ZONES = ["package", "dram"] as const;

/**
 * Kepler: per-pod energy (joules) from the host's power meters, the measurement behind docs/energy.md and
 * `npm run cost -- --prometheus`.
 *
 * What it measures: CPU package/DRAM energy from RAPL (Linux powercap, `/sys/class/powercap/intel-rapl`), split
 * over processes, containers and pods by their CPU time; GPU power from NVML when `config.experimental.gpu` is
 * on. Kepler 0.10 and later have no power model: with no RAPL zone the meter's Init fails ("no RAPL zones found",
 * `internal/device/rapl_sysfs_power_meter.go`) and the process exits 1 (`cmd/kepler/main.go`), so the DaemonSet
 * crash-loops and Helm's wait fails the apply. Its README lists "Only supports Baremetal" and "Supports only
 * RAPL/powercap framework" as current limitations (sustainable-computing-io/kepler@v0.11.4:README.md).
 *
 * Hence `disabled` by default, and opted into by the profiles that run kind on a Linux host with NVIDIA GPUs
 * (laptop-gpu, workstation-gpu, cluster-gpu), where RAPL is the host's own:
 *  - eks/gke/aks: cloud VMs usually expose no RAPL, so Kepler 0.11.4 would exit rather than estimate;
 *    a profile on bare-metal instance types may opt in (`components.kepler.lifecycle: managed`).
 *  - laptop: it would fit the footprint target (two pods of 100m / 128Mi), but the laptop profile also runs on
 *    Docker Desktop's VM (macOS, Windows), which has no RAPL; a Linux laptop opts in the same way.
 *
 * It needs host access: privileged, hostPID and read-only hostPath mounts of /sys and /proc
 * (`templates/daemonset.yaml`), so its namespace has the Pod Security `privileged` level and the DaemonSet is in
 * the posture exception list (verify/posture.ts).
 */
/** Kepler's GPU meter is on where the profile has GPU pools (NVML; it soft-fails to CPU only without one). */
export function keplerMeasuresGpus(profile: Profile): boolean {
  return gpuPoolNames(profile).length > 0;
}

export const kepler: ComponentDefinition = {
  id: "kepler",
  title: "Kepler",
  summary: "Per-pod energy from RAPL and NVML, for energy and carbon per team; bare-metal and kind-on-Linux only",
  defaultLifecycle: "disabled",
  reservedNamespaces: [NAMESPACE],
  // Each cluster measures its own nodes and its own Prometheus scrapes them.
  placement: "every-cluster",
  problems: (ctx) => keplerProblems(ctx),
  dependencies: () => [{ id: "observability", optional: true, reason: "ServiceMonitor for Kepler's metrics" }],
  // The exporter runs privileged with hostPID and host /sys and /proc (sustainable-computing-io/kepler@v0.11.4:
  // manifests/helm/kepler/templates/daemonset.yaml), which only the `privileged` level admits.
  namespaces: () => [{ name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "privileged" } }],
  steps: (ctx) => {
    const monitoring = monitoringEnabled(ctx);
    return [
      {
        kind: "upstream",
        name: RELEASE,
        namespace: NAMESPACE,
        chart: "kepler",
        primary: true,
        // A DaemonSet, its ConfigMap, RBAC and Service, all from the profile; no volume.
        onFailedInstall: "uninstall",
        values: {
          // Keys checked against sustainable-computing-io/kepler@v0.11.4:manifests/helm/kepler/values.yaml.
          // `image.tag: ""` defaults to the chart's appVersion (values.yaml:5-8); pinned in the version table instead.
          image: { repository: mirrored(IMAGES.kepler.repository, ctx.profile.mirror.images), tag: IMAGES.kepler.tag },
          daemonset: {
            // The chart leaves resources `{}` (values.yaml:48); these are the figures its own comment suggests.
            resources: resources("100m", "128Mi", "500m", "512Mi"),
            // Every node, GPU pools with their taints included: a node Kepler skips has no energy figures
            // (the chart tolerates only the control plane; docs/user/installation.md suggests `operator: Exists`).
            tolerations: [{ operator: "Exists" }],
          },
          config: {
            // The chart's default is debug, a line per interval per node.
            log: { level: "info" },
            // RAPL zones nest (psys ⊇ package ⊇ core, uncore; internal/device/rapl_sysfs_power_meter.go ranks
            // them), and every enabled zone is a `zone` series of the same pod metric: package and DRAM do not
            // overlap, so a sum over zones counts nothing twice (the upstream example in
            // docs/developer/design/architecture/configuration.md). A host without a DRAM zone reports package only.
            rapl: { zones: [...RAPL_ZONES] },
            // GPU power through NVML (docs/user/configuration.md "GPU Power Monitoring"); it soft-fails to CPU only
            // when no GPU or no NVML library is found (cmd/kepler/main.go createGPUMeters, internal/device/gpu/registry.go).
            experimental: { gpu: { enabled: keplerMeasuresGpus(ctx.profile) } },
          },
          // The energy counters are cumulative: a 30 s scrape loses nothing, where the chart's 5 s multiplies samples.
          serviceMonitor: { enabled: monitoring, interval: "30s" },
        },
      },
    ];
  },
};

/** A carbon intensity turns measured energy into carbon: without Kepler there is nothing to turn. */
function keplerProblems(ctx: ComponentContext): Problem[] {
  const intensity = ctx.profile.energy.carbonIntensity;
  if (intensity === undefined || ctx.isAvailable("kepler")) return [];
  return [
    {
      path: "energy.carbonIntensity",
      value: intensity,
      allowed:
        'it converts the energy Kepler measures, and components.kepler.lifecycle is "disabled": set it to "managed" (bare metal or kind on Linux, where RAPL exists) or "external", or remove energy.carbonIntensity',
    },
  ];
}
