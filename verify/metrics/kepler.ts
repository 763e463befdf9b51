/**
 * Kepler v0.11.4's power metrics (sustainable-computing-io/kepler@v0.11.4:internal/exporter/prometheus/collector/
 * power_collector.go). Names are `kepler_<level>_<device>_…` built at :79-107; `*_joules_total` are counters,
 * `*_watts` and the usage ratio gauges. Every metric has a constant `node_name` label (:81). There is no
 * namespace-level metric: sum the pod metrics `by (pod_namespace)`. GPU metrics need `config.experimental.gpu.enabled`;
 * process and VM metrics are left out.
 */
import { metricsAt, type Exporter } from "./metric";

const { counter, gauge } = metricsAt(
  "sustainable-computing-io/kepler@v0.11.4",
  "internal/exporter/prometheus/collector/power_collector.go",
);

const NODE_CPU = ["node_name", "zone", "path"];
const NODE_GPU = ["node_name", "gpu", "gpu_uuid", "gpu_name", "vendor"];
const CONTAINER_CPU = ["node_name", "container_id", "container_name", "runtime", "state", "zone", "pod_id"];
const CONTAINER_GPU = ["node_name", "container_id", "container_name", "runtime", "state", "pod_id"];
const POD_CPU = ["node_name", "pod_id", "pod_name", "pod_namespace", "state", "zone"];
const POD_GPU = ["node_name", "pod_id", "pod_name", "pod_namespace", "state"];
const GPU_GATE = { gate: "config.experimental.gpu.enabled" };

export const kepler: Exporter = {
  id: "kepler",
  title: "Kepler",
  version: "v0.11.4",
  pinnedBy: "platform/versions.ts CHARTS.kepler 0.11.4, IMAGES.kepler v0.11.4",
  scrape: { via: "ServiceMonitor", honorLabels: false },
  commonLabels: [],
  metrics: [
    counter("kepler_node_cpu_joules_total", NODE_CPU, 128),
    gauge("kepler_node_cpu_watts", NODE_CPU, 129),
    counter("kepler_node_cpu_active_joules_total", NODE_CPU, 131),
    counter("kepler_node_cpu_idle_joules_total", NODE_CPU, 132),
    gauge("kepler_node_cpu_active_watts", NODE_CPU, 134),
    gauge("kepler_node_cpu_idle_watts", NODE_CPU, 135),
    gauge("kepler_node_cpu_usage_ratio", ["node_name"], 138),
    gauge("kepler_node_gpu_watts", NODE_GPU, 163, GPU_GATE),
    gauge("kepler_node_gpu_idle_watts", NODE_GPU, 167, GPU_GATE),
    gauge("kepler_node_gpu_active_watts", NODE_GPU, 171, GPU_GATE),
    counter("kepler_node_gpu_joules_total", NODE_GPU, 174, GPU_GATE),
    counter("kepler_node_gpu_active_joules_total", NODE_GPU, 175, GPU_GATE),
    counter("kepler_node_gpu_idle_joules_total", NODE_GPU, 176, GPU_GATE),
    counter("kepler_container_cpu_joules_total", CONTAINER_CPU, 148),
    gauge("kepler_container_cpu_watts", CONTAINER_CPU, 149),
    counter("kepler_container_gpu_joules_total", CONTAINER_GPU, 150, GPU_GATE),
    gauge("kepler_container_gpu_watts", CONTAINER_GPU, 151, GPU_GATE),
    counter("kepler_pod_cpu_joules_total", POD_CPU, 156),
    gauge("kepler_pod_cpu_watts", POD_CPU, 157),
    counter("kepler_pod_gpu_joules_total", POD_GPU, 158, GPU_GATE),
    gauge("kepler_pod_gpu_watts", POD_GPU, 159, GPU_GATE),
  ],
};
