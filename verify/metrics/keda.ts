/**
 * KEDA v2.20.2's operator metrics (kedacore/keda@v2.20.2:pkg/metricscollector/prommetrics.go, namespace `keda`,
 * pkg/metricscollector/metricscollectors.go:33) and its admission webhook's
 * (pkg/metricscollector/webhook/webhook_prommetrics.go). The per-trigger labels are
 * `metricLabels` (prommetrics.go:35); `scaledObject` is spelled in camel case. KEDA's own `namespace` label meets
 * the scrape's: whether the chart's ServiceMonitor honours labels was not checked, so dashboards should expect the
 * ScaledObject's namespace as `exported_namespace` (honorLabels false, the Prometheus Operator's default).
 */
import { metricsAt, type Exporter } from "./metric";

const { counter, gauge, histogram } = metricsAt("kedacore/keda@v2.20.2", "pkg/metricscollector/prommetrics.go");
const webhook = metricsAt("kedacore/keda@v2.20.2", "pkg/metricscollector/webhook/webhook_prommetrics.go");

const TRIGGER_LABELS = ["namespace", "metric", "scaledObject", "scaler", "triggerIndex", "type"];

export const keda: Exporter = {
  id: "keda",
  title: "KEDA operator",
  version: "v2.20.2",
  pinnedBy: "platform/versions.ts CHARTS.keda",
  scrape: { via: "ServiceMonitor", honorLabels: false },
  commonLabels: [],
  metrics: [
    gauge("keda_build_info", ["version", "git_commit", "goversion", "goos", "goarch"], 39),
    gauge("keda_scaler_metrics_value", TRIGGER_LABELS, 48),
    gauge("keda_scaler_metrics_latency_seconds", TRIGGER_LABELS, 57),
    gauge("keda_scaler_active", TRIGGER_LABELS, 66),
    gauge("keda_scaled_object_paused", ["namespace", "scaledObject"], 75),
    counter("keda_scaler_detail_errors_total", TRIGGER_LABELS, 84),
    counter("keda_scaled_object_errors_total", ["namespace", "scaledObject"], 93),
    counter("keda_scaled_job_errors_total", ["namespace", "scaledJob"], 102),
    counter(
      "keda_scaler_empty_upstream_responses_total",
      ["namespace", "scaledResource", "triggerName", "metricName", "resourceType", "ignoreNullValues"],
      111,
    ),
    gauge("keda_trigger_registered_total", ["type"], 120),
    gauge("keda_resource_registered_total", ["type", "namespace"], 129),
    gauge("keda_internal_scale_loop_latency_seconds", ["namespace", "type", "resource"], 138),
    counter("keda_cloudeventsource_events_emitted_total", ["namespace", "cloudeventsource", "eventsink", "state"], 149),
    gauge("keda_cloudeventsource_events_queued", ["namespace"], 159),
    counter(
      "keda_scaler_http_requests_total",
      ["namespace", "scaled_resource", "scaler", "trigger_name", "metric_name", "status_code"],
      169,
    ),
    histogram("keda_scaler_http_request_duration_seconds", ["scaler", "status_code"], 179),
    webhook.counter("keda_webhook_scaled_object_validations_total", ["namespace", "action"], 33),
    webhook.counter("keda_webhook_scaled_object_validation_errors_total", ["namespace", "action", "reason"], 42),
  ],
};
