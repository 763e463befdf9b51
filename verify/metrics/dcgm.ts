/**
 * NVIDIA DCGM exporter, the one the GPU Operator deploys. The operator pins image `dcgm-exporter:4.6.0-4.8.3-distroless`
 * (gpu-operator v26.7.0 values.yaml `dcgmExporter.version`) and points it at `/etc/dcgm-exporter/dcp-metrics-included.csv`
 * (NVIDIA/gpu-operator assets/state-dcgm-exporter/0800_daemonset.yaml, `DCGM_EXPORTER_COLLECTORS`). The stored
 * snapshot of NVIDIA/dcgm-exporter ends before tag 4.6.0-4.8.3: the catalog is read at the closest earlier tag,
 * 4.5.3-4.8.2 (2026-05-06), whose `etc/dcp-metrics-included.csv` and `etc/default-counters.csv` enable the same
 * fields. Every metric carries the GPU labels of internal/pkg/rendermetrics/render_metrics.go:47; the only later
 * change on the main branch renames `Hostname` to `hostname` (#655, 2026-05-12), which may or may not be in
 * 4.6.0-4.8.3: both spellings are listed and marked. `DCGM_FI_DRIVER_VERSION` is a `label` field: a label on every
 * metric, not a metric. With `DCGM_EXPORTER_KUBERNETES=true` the pod mapping adds `namespace`, `pod`, `container`
 * (internal/pkg/transformation/const.go); our ServiceMonitor sets `honorLabels: true` so they name the GPU's pod,
 * not the exporter's.
 */
import { metricsAt, type Exporter } from "./metric";

const TAG = "NVIDIA/dcgm-exporter@4.5.3-4.8.2";
const { counter, gauge } = metricsAt(TAG, "etc/dcp-metrics-included.csv");

const UNCONFIRMED = "read at 4.5.3-4.8.2, the closest stored tag before the pinned 4.6.0-4.8.3";

/** The labels every DCGM metric carries (render_metrics.go:47 and the pod mapping), MIG's only on MIG devices. */
export const GPU_LABELS = [
  "gpu",
  "UUID",
  "pci_bus_id",
  "device",
  "modelName",
  "GPU_I_PROFILE",
  "GPU_I_ID",
  "Hostname",
  "hostname",
  "DCGM_FI_DRIVER_VERSION",
  "namespace",
  "pod",
  "container",
] as const;

export const dcgmExporter: Exporter = {
  id: "dcgm-exporter",
  title: "NVIDIA DCGM exporter (GPU Operator)",
  version: "4.6.0-4.8.3 (catalog read at 4.5.3-4.8.2)",
  pinnedBy: "platform/versions.ts CHARTS.gpu-operator v26.7.0, values.yaml dcgmExporter.version",
  scrape: { via: "ServiceMonitor", honorLabels: true },
  commonLabels: GPU_LABELS,
  metrics: [
    gauge("DCGM_FI_DEV_SM_CLOCK", [], 6, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_MEM_CLOCK", [], 7, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_MEMORY_TEMP", [], 10, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_GPU_TEMP", [], 11, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_POWER_USAGE", [], 14, { unconfirmed: UNCONFIRMED }),
    counter("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", [], 15, { unconfirmed: UNCONFIRMED }),
    counter("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", [], 20, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_GPU_UTIL", [], 23, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_MEM_COPY_UTIL", [], 24, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_ENC_UTIL", [], 25, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_DEC_UTIL", [], 26, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_XID_ERRORS", [], 29, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_FB_FREE", [], 38, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_FB_USED", [], 39, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_FB_RESERVED", [], 40, { unconfirmed: UNCONFIRMED }),
    counter("DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL", [], 58, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_VGPU_LICENSE_STATUS", [], 62, { unconfirmed: UNCONFIRMED }),
    counter("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", [], 65, { unconfirmed: UNCONFIRMED }),
    counter("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", [], 66, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_DEV_ROW_REMAP_FAILURE", [], 67, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_PROF_GR_ENGINE_ACTIVE", [], 81, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", [], 84, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_PROF_DRAM_ACTIVE", [], 85, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_PROF_PCIE_TX_BYTES", [], 89, { unconfirmed: UNCONFIRMED }),
    gauge("DCGM_FI_PROF_PCIE_RX_BYTES", [], 90, { unconfirmed: UNCONFIRMED }),
  ],
};
