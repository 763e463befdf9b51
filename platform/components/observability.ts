import { z } from "zod";
import { GrafanaDashboards } from "../../charts/dashboards/grafana";
import type {
  AlertThresholds,
  EnergyInput,
  GpuPoolInfo,
  PlatformObservabilityInput,
} from "../../charts/dashboards/platform";
import { DEFAULT_PERIOD, energyQueries, powerQueries } from "../../reports/energy";
import { PlatformAlertRules, platformAlertRules, platformDashboards } from "../../charts/dashboards/platform";
import {
  poolGpuCapacity,
  poolSharingInWords,
  POOL_LABEL,
  queuePoolNames,
  queuePools,
  teamNames,
  teamNamespace,
} from "../../profiles/plan";
import type { Profile } from "../../profiles/schema";
import type { ComponentContext, ComponentDefinition } from "../component";
import { keplerMeasuresGpus } from "./kepler";
import { resources } from "./shared";

export const NAMESPACE = "monitoring";

/** Helm release name of kube-prometheus-stack (its resources are named after it). */
export const RELEASE = "kube-prometheus-stack";

/**
 * Prometheus' in-cluster address, for KEDA's Prometheus triggers: the chart's `<fullname>-prometheus` Service on its
 * default port (kube-prometheus-stack templates/prometheus/service.yaml, `prometheus.service.port` 9090).
 */
export const PROMETHEUS_URL = `http://${RELEASE}-prometheus.${NAMESPACE}.svc:9090`;

/** Selects every object in every namespace (a Prometheus selector of `{}`; nil would mean "own namespace only"). */
const EVERYTHING = {};

/**
 * kube-prometheus-stack trimmed for a laptop: Prometheus (short retention, no persistence), Grafana, the
 * operator, kube-state-metrics and node-exporter; no Alertmanager. Prometheus selects the ServiceMonitors,
 * PodMonitors, Probes, ScrapeConfigs and rules of every namespace, not only those labelled with this release,
 * so the other components' monitors are scraped without carrying a `release` label.
 * Grafana's admin password is left to the Grafana chart, which generates it into the Secret
 * `kube-prometheus-stack-grafana` (key `admin-password`): no password is ever written here.
 */
/** `components.observability.settings`: the alert rules' thresholds. */
export const observabilitySettings = z.strictObject({
  alerts: z
    .strictObject({
      /** A GPU allocated and below `gpuIdlePercent` utilization this long fires CnaiGpuAllocatedIdle. */
      gpuIdleMinutes: z.number().int().min(5).max(1440).default(30),
      gpuIdlePercent: z.number().min(0).max(100).default(5),
      /** Pending workloads and no admission this long fires CnaiQueueHeadWaiting. */
      queueWaitMinutes: z.number().int().min(5).max(10080).default(60),
      /** Usage above nominal quota this long fires CnaiTeamBorrowingLong. */
      borrowingMinutes: z.number().int().min(5).max(10080).default(120),
    })
    .default({ gpuIdleMinutes: 30, gpuIdlePercent: 5, queueWaitMinutes: 60, borrowingMinutes: 120 }),
});

/** What the dashboards and rules are built from: the team namespaces, the GPU pools, the thresholds. */
export function observabilityInput(ctx: ComponentContext): PlatformObservabilityInput {
  const { profile } = ctx;
  const pools = queuePools(profile);
  const gpuPools: GpuPoolInfo[] = queuePoolNames(profile)
    .filter((name) => pools[name].gpu)
    .map((name) => ({
      pool: name,
      resources: Object.keys(poolGpuCapacity(pools[name])),
      sharing: poolSharingInWords(pools[name]),
      mig: pools[name].gpu?.sharing.mode === "mig",
    }));
  const teamNamespaces = teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
  return {
    teamNamespaces,
    gpuPools,
    alerts: ctx.settings<{ alerts: AlertThresholds }>("observability").alerts,
    ...(ctx.isAvailable("kepler") && { energy: energyInput(profile, teamNamespaces) }),
  };
}

/** The energy dashboard's queries: the same builders as `npm run cost`, GPU ones only where Kepler measures GPUs. */
function energyInput(profile: Profile, namespaces: readonly string[]): EnergyInput {
  const gpu = keplerMeasuresGpus(profile);
  const power = powerQueries(namespaces);
  const energy = energyQueries(namespaces, DEFAULT_PERIOD);
  return {
    power: gpu ? power : { cpu: power.cpu },
    energy: gpu ? energy : { cpu: energy.cpu },
    period: DEFAULT_PERIOD,
    carbonIntensity: profile.energy.carbonIntensity,
  };
}

export const observability: ComponentDefinition = {
  id: "observability",
  title: "Observability (kube-prometheus-stack)",
  summary: "Prometheus, Grafana and the Prometheus Operator; scrapes every component's ServiceMonitors",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  settings: observabilitySettings,
  dependencies: () => [],
  namespaces: () => [{ name: NAMESPACE }],
  steps: (ctx) => [
    {
      kind: "upstream",
      name: RELEASE,
      namespace: NAMESPACE,
      chart: "kube-prometheus-stack",
      primary: true,
      // No volume: Prometheus keeps a short retention on emptyDir and Grafana has no persistence, so a rollback
      // or an uninstall loses nothing that is not re-scraped; the CRDs (crds/ folder) are never deleted by Helm.
      onFailedInstall: "uninstall",
      values: {
        alertmanager: { enabled: false },
        // kind runs kubeadm's control plane: controller-manager, scheduler and etcd serve metrics on 127.0.0.1
        // only, and kube-proxy binds its metrics to 127.0.0.1:10249, so Prometheus could never reach them;
        // their targets would stay down and fire the "target down" rules forever.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeEtcd: { enabled: false },
        kubeProxy: { enabled: false },
        prometheusOperator: {
          resources: resources("10m", "64Mi", "200m", "256Mi"),
          // The config-reloader sidecar (and init container) the operator adds to the Prometheus pod.
          prometheusConfigReloader: { resources: resources("5m", "16Mi", "50m", "64Mi") },
          // The pre-install/post-install Jobs that create and patch the admission webhook's certificate.
          admissionWebhooks: { patch: { resources: resources("5m", "16Mi", "50m", "64Mi") } },
        },
        prometheus: {
          prometheusSpec: {
            retention: "2d",
            retentionSize: "1GB",
            resources: resources("50m", "256Mi", "500m", "1Gi"),
            serviceMonitorSelectorNilUsesHelmValues: false,
            serviceMonitorSelector: EVERYTHING,
            serviceMonitorNamespaceSelector: EVERYTHING,
            podMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelector: EVERYTHING,
            podMonitorNamespaceSelector: EVERYTHING,
            probeSelectorNilUsesHelmValues: false,
            probeSelector: EVERYTHING,
            probeNamespaceSelector: EVERYTHING,
            scrapeConfigSelectorNilUsesHelmValues: false,
            scrapeConfigSelector: EVERYTHING,
            scrapeConfigNamespaceSelector: EVERYTHING,
            ruleSelectorNilUsesHelmValues: false,
            ruleSelector: EVERYTHING,
            ruleNamespaceSelector: EVERYTHING,
          },
        },
        grafana: {
          enabled: true,
          resources: resources("20m", "128Mi", "200m", "256Mi"),
          // The dashboard and datasource sidecars (k8s-sidecar) share one resources block.
          sidecar: {
            resources: resources("5m", "64Mi", "50m", "128Mi"),
            datasources: { alertmanager: { enabled: false } },
          },
        },
        "kube-state-metrics": {
          resources: resources("10m", "32Mi", "100m", "128Mi"),
          // kube_node_labels carries only allowlisted labels; the pool label lets dashboards count GPUs per pool.
          metricLabelsAllowlist: [`nodes=[${POOL_LABEL}]`],
        },
        "prometheus-node-exporter": {
          resources: resources("5m", "16Mi", "50m", "64Mi"),
          // Host access stays (it reads the host's /proc and /sys); escalation is never needed.
          containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        },
      },
    },
    {
      kind: "local",
      name: "platform-dashboards",
      namespace: NAMESPACE,
      after: [RELEASE],
      // ConfigMaps and a PrometheusRule built from the profile: nothing holds data.
      onFailedInstall: "uninstall",
      render: (app, id) => {
        const input = observabilityInput(ctx);
        new GrafanaDashboards(app, `${id}-dashboards`, { namespace: NAMESPACE, dashboards: platformDashboards(input) });
        new PlatformAlertRules(app, `${id}-rules`, { namespace: NAMESPACE, rules: platformAlertRules(input) });
      },
    },
  ],
};
