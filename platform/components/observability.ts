import type { ComponentDefinition } from "../component";
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
export const observability: ComponentDefinition = {
  id: "observability",
  title: "Observability (kube-prometheus-stack)",
  summary: "Prometheus, Grafana and the Prometheus Operator; scrapes every component's ServiceMonitors",
  defaultLifecycle: "managed",
  reservedNamespaces: [NAMESPACE],
  placement: "every-cluster",
  dependencies: () => [],
  namespaces: () => [{ name: NAMESPACE }],
  steps: () => [
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
        "kube-state-metrics": { resources: resources("10m", "32Mi", "100m", "128Mi") },
        "prometheus-node-exporter": {
          resources: resources("5m", "16Mi", "50m", "64Mi"),
          // Host access stays (it reads the host's /proc and /sys); escalation is never needed.
          containerSecurityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
        },
      },
    },
  ],
};
