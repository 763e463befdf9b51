/**
 * Kueue v0.19.2's controller metrics (kubernetes-sigs/kueue@v0.19.2:pkg/metrics/metrics.go). Every metric also
 * carries the custom labels a Configuration's `metrics.customLabels` adds (none in our values). Gates at v0.19.2
 * (pkg/features/kube_features.go): `LocalQueueMetrics` is beta and on by default since 0.17, so the
 * `kueue_local_queue_*` series exist; `MetricForWorkloadCreationLatency` is beta and on; `UnadmittedWorkloadsObservability`
 * is beta and off, so `kueue_unadmitted_workloads` is registered but stays empty unless the gate is turned on.
 */
import { metricsAt, type Exporter } from "./metric";

const { counter, gauge, histogram } = metricsAt("kubernetes-sigs/kueue@v0.19.2", "pkg/metrics/metrics.go");

export const kueue: Exporter = {
  id: "kueue",
  title: "Kueue controller manager",
  version: "v0.19.2",
  pinnedBy: "platform/versions.ts CHARTS.kueue",
  scrape: { via: "ServiceMonitor", honorLabels: false },
  commonLabels: [],
  metrics: [
    counter("kueue_admission_attempts_total", ["result", "replica_role"], 354),
    histogram("kueue_admission_attempt_duration_seconds", ["result", "replica_role"], 366),
    counter("multikueue_workloads_dispatched_total", ["cluster_queue", "cluster", "replica_role"], 377),
    counter("multikueue_workloads_admitted_total", ["cluster_queue", "cluster", "replica_role"], 385),
    gauge("kueue_admission_cycle_preemption_skips", ["cluster_queue", "replica_role"], 393),
    gauge("kueue_build_info", ["git_version", "git_commit", "build_date", "go_version", "compiler", "platform"], 403),
    gauge("kueue_pending_workloads", ["cluster_queue", "status", "replica_role"], 414),
    gauge("kueue_local_queue_pending_workloads", ["name", "namespace", "status", "replica_role"], 426, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge("kueue_finished_workloads", ["cluster_queue", "replica_role"], 438),
    gauge("kueue_local_queue_finished_workloads", ["name", "namespace", "replica_role"], 447, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    counter("kueue_quota_reserved_workloads_total", ["cluster_queue", "priority_class", "replica_role"], 456),
    counter(
      "kueue_local_queue_quota_reserved_workloads_total",
      ["name", "namespace", "priority_class", "replica_role"],
      464,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    counter("kueue_finished_workloads_total", ["cluster_queue", "priority_class", "replica_role"], 472),
    counter(
      "kueue_local_queue_finished_workloads_total",
      ["name", "namespace", "priority_class", "replica_role"],
      480,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram("kueue_quota_reserved_wait_time_seconds", ["cluster_queue", "priority_class", "replica_role"], 488),
    histogram(
      "kueue_pods_ready_to_evicted_time_seconds",
      ["cluster_queue", "reason", "underlying_cause", "replica_role"],
      497,
    ),
    histogram(
      "kueue_local_queue_quota_reserved_wait_time_seconds",
      ["name", "namespace", "priority_class", "replica_role"],
      519,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    counter("kueue_admitted_workloads_total", ["cluster_queue", "priority_class", "replica_role"], 528),
    counter(
      "kueue_local_queue_admitted_workloads_total",
      ["name", "namespace", "priority_class", "replica_role"],
      536,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram("kueue_admission_wait_time_seconds", ["cluster_queue", "priority_class", "replica_role"], 544),
    histogram("kueue_ready_wait_time_seconds", ["cluster_queue", "priority_class", "replica_role"], 553),
    histogram("kueue_admitted_until_ready_wait_time_seconds", ["cluster_queue", "priority_class", "replica_role"], 562),
    histogram(
      "kueue_local_queue_admission_wait_time_seconds",
      ["name", "namespace", "priority_class", "replica_role"],
      571,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram("kueue_admission_checks_wait_time_seconds", ["cluster_queue", "priority_class", "replica_role"], 580),
    histogram(
      "kueue_local_queue_admission_checks_wait_time_seconds",
      ["name", "namespace", "priority_class", "replica_role"],
      589,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram(
      "kueue_local_queue_ready_wait_time_seconds",
      ["name", "namespace", "priority_class", "replica_role"],
      598,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram(
      "kueue_local_queue_admitted_until_ready_wait_time_seconds",
      ["name", "namespace", "priority_class", "replica_role"],
      607,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    histogram("kueue_workload_creation_latency_seconds", ["job_kind", "replica_role"], 616, {
      gate: "MetricForWorkloadCreationLatency (on by default)",
    }),
    histogram("kueue_pod_scheduling_gate_removal_seconds", ["name", "cluster_queue", "is_group", "replica_role"], 625),
    counter(
      "kueue_evicted_workloads_total",
      ["cluster_queue", "reason", "underlying_cause", "priority_class", "replica_role"],
      633,
    ),
    counter("kueue_replaced_workload_slices_total", ["cluster_queue", "replica_role"], 654),
    counter(
      "kueue_local_queue_evicted_workloads_total",
      ["name", "namespace", "reason", "underlying_cause", "priority_class", "replica_role"],
      662,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    counter(
      "kueue_evicted_workloads_once_total",
      ["cluster_queue", "reason", "underlying_cause", "priority_class", "replica_role"],
      683,
    ),
    counter("kueue_preempted_workloads_total", ["preempting_cluster_queue", "reason", "replica_role"], 706),
    histogram("kueue_workload_eviction_latency_seconds", ["cluster_queue", "reason", "replica_role"], 719),
    gauge("kueue_reserving_active_workloads", ["cluster_queue", "replica_role"], 739),
    gauge("kueue_local_queue_reserving_active_workloads", ["name", "namespace", "replica_role"], 748, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge("kueue_admitted_active_workloads", ["cluster_queue", "replica_role"], 757),
    gauge("kueue_local_queue_admitted_active_workloads", ["name", "namespace", "replica_role"], 766, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge("kueue_cluster_queue_status", ["cluster_queue", "status", "replica_role"], 775),
    gauge("kueue_local_queue_status", ["name", "namespace", "active", "replica_role"], 785, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge("kueue_unadmitted_workloads", ["cluster_queue", "reason", "underlying_cause", "replica_role"], 795, {
      gate: "UnadmittedWorkloadsObservability (off by default)",
    }),
    gauge(
      "kueue_local_queue_unadmitted_workloads",
      ["name", "namespace", "cluster_queue", "reason", "underlying_cause", "replica_role"],
      804,
      { gate: "LocalQueueMetrics and UnadmittedWorkloadsObservability (off by default)" },
    ),
    gauge(
      "kueue_cluster_queue_resource_reservation",
      ["cohort", "cluster_queue", "flavor", "resource", "replica_role"],
      813,
    ),
    gauge("kueue_cluster_queue_resource_pending", ["cluster_queue", "resource", "replica_role"], 822),
    gauge("kueue_cluster_queue_resource_usage", ["cohort", "cluster_queue", "flavor", "resource", "replica_role"], 831),
    gauge("kueue_local_queue_resource_reservation", ["name", "namespace", "flavor", "resource", "replica_role"], 840, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge("kueue_local_queue_resource_usage", ["name", "namespace", "flavor", "resource", "replica_role"], 849, {
      gate: "LocalQueueMetrics (on by default)",
    }),
    gauge(
      "kueue_local_queue_admission_fair_sharing_usage",
      ["name", "namespace", "cluster_queue", "replica_role"],
      858,
      { gate: "LocalQueueMetrics (on by default)" },
    ),
    gauge("kueue_cluster_queue_nominal_quota", ["cohort", "cluster_queue", "flavor", "resource", "replica_role"], 869),
    gauge(
      "kueue_cluster_queue_borrowing_limit",
      ["cohort", "cluster_queue", "flavor", "resource", "replica_role"],
      878,
    ),
    gauge("kueue_cluster_queue_lending_limit", ["cohort", "cluster_queue", "flavor", "resource", "replica_role"], 887),
    gauge("kueue_cluster_queue_weighted_share", ["cluster_queue", "cohort", "replica_role"], 896),
    gauge("kueue_cohort_weighted_share", ["cohort", "replica_role"], 909),
    gauge("kueue_cohort_subtree_quota", ["cohort", "flavor", "resource", "replica_role"], 922),
    counter("kueue_cohort_subtree_admitted_workloads_total", ["cohort", "priority_class", "replica_role"], 931),
    gauge("kueue_cohort_subtree_resource_reservations", ["cohort", "flavor", "resource", "replica_role"], 939),
    gauge("kueue_cohort_subtree_admitted_active_workloads", ["cohort", "replica_role"], 949),
    gauge("kueue_cohort_info", ["cohort", "parent_cohort", "root_cohort", "replica_role"], 958),
    gauge("kueue_cluster_queue_info", ["cluster_queue", "parent_cohort", "root_cohort", "replica_role"], 966),
  ],
};
