/**
 * The KServe model server's request histograms (kserve/kserve@v0.20.0:python/kserve/kserve/metrics.py, label
 * `model_name`) and the vLLM engine metrics the huggingfaceserver image exposes on the same /metrics (the server
 * serves prometheus_client's default registry, python/kserve/kserve/protocol/rest/server.py:56, where vLLM's
 * PrometheusStatLogger registers). The image installs vLLM 0.24.0 (python/huggingface_server.Dockerfile:171). vLLM's
 * repository is too large to fetch here, so its names are read from the vllm-0.24.0 wheel on PyPI,
 * vllm/v1/metrics/loggers.py: cited as vllm-project/vllm@v0.24.0. prometheus_client appends `_total` to a counter's
 * name, so `vllm:prompt_tokens` is queried as `vllm:prompt_tokens_total`. `vllm:gpu_cache_usage_perc` (deprecated in
 * 0.9) no longer exists at 0.24.0: use `vllm:kv_cache_usage_perc`. That the vLLM series appear on KServe's port is
 * reasoned from the code, not observed on a cluster. Scraped by the samples' PodMonitors.
 */
import { metricsAt, type Exporter } from "./metric";

const kserveMetrics = metricsAt("kserve/kserve@v0.20.0", "python/kserve/kserve/metrics.py");
const { counter: vllmCounter, gauge, histogram } = metricsAt("vllm-project/vllm@v0.24.0", "vllm/v1/metrics/loggers.py");

/** A prometheus_client counter: exposed with `_total` appended. */
const counter = (name: string, labels: readonly string[], line: number, extra = {}) =>
  vllmCounter(`${name}_total`, labels, line, extra);

const ENGINE = ["model_name", "engine"];
const UNOBSERVED = "read from the vllm 0.24.0 wheel; not observed on a running huggingfaceserver";

export const kserveModelServer: Exporter = {
  id: "kserve-model-server",
  title: "KServe model server",
  version: "v0.20.0",
  pinnedBy: "platform/versions.ts CHARTS.kserve-resources and the runtimes' image tags",
  scrape: { via: "PodMonitor", honorLabels: false },
  commonLabels: [],
  metrics: [
    kserveMetrics.histogram("request_preprocess_seconds", ["model_name"], 20),
    kserveMetrics.histogram("request_postprocess_seconds", ["model_name"], 23),
    kserveMetrics.histogram("request_predict_seconds", ["model_name"], 26),
    kserveMetrics.histogram("request_explain_seconds", ["model_name"], 29),
  ],
};

export const vllm: Exporter = {
  id: "vllm",
  title: "vLLM in KServe's huggingfaceserver",
  version: "0.24.0",
  pinnedBy: "kserve/kserve@v0.20.0:python/huggingface_server.Dockerfile:171 (image kserve/huggingfaceserver:v0.20.0)",
  scrape: { via: "PodMonitor", honorLabels: false },
  commonLabels: [],
  metrics: [
    gauge("vllm:num_requests_running", ENGINE, 457),
    gauge("vllm:num_requests_waiting", ENGINE, 467),
    gauge("vllm:num_requests_waiting_by_reason", ["model_name", "engine", "reason"], 477),
    gauge("vllm:engine_sleep_state", ["model_name", "engine", "sleep_state"], 499),
    gauge("vllm:kv_cache_usage_perc", ENGINE, 525),
    counter("vllm:corrupted_requests", ENGINE, 536, { gate: "VLLM_COMPUTE_NANS_IN_LOGITS=1" }),
    counter("vllm:prefix_cache_queries", ENGINE, 548),
    counter("vllm:prefix_cache_hits", ENGINE, 559),
    counter("vllm:external_prefix_cache_queries", ENGINE, 572),
    counter("vllm:external_prefix_cache_hits", ENGINE, 584),
    counter("vllm:mm_cache_queries", ENGINE, 600),
    counter("vllm:mm_cache_hits", ENGINE, 611),
    counter("vllm:num_preemptions", ENGINE, 625),
    counter("vllm:prompt_tokens", ENGINE, 634),
    counter("vllm:prompt_tokens_by_source", ["model_name", "engine", "source"], 644),
    counter("vllm:prompt_tokens_cached", ENGINE, 659),
    counter("vllm:generation_tokens", ENGINE, 668),
    counter("vllm:request_success", ["model_name", "engine", "finished_reason"], 678),
    histogram("vllm:request_prompt_tokens", ENGINE, 694),
    histogram("vllm:request_generation_tokens", ENGINE, 704),
    histogram("vllm:iteration_tokens_total", ENGINE, 717),
    histogram("vllm:request_max_num_generation_tokens", ENGINE, 727),
    histogram("vllm:request_params_n", ENGINE, 737),
    histogram("vllm:request_params_max_tokens", ENGINE, 747),
    histogram("vllm:time_to_first_token_seconds", ENGINE, 760),
    histogram("vllm:inter_token_latency_seconds", ENGINE, 793),
    histogram("vllm:request_time_per_output_token_seconds", ENGINE, 823),
    histogram("vllm:e2e_request_latency_seconds", ENGINE, 876),
    histogram("vllm:request_queue_time_seconds", ENGINE, 886),
    histogram("vllm:request_inference_time_seconds", ENGINE, 896),
    histogram("vllm:request_prefill_time_seconds", ENGINE, 906),
    histogram("vllm:request_decode_time_seconds", ENGINE, 916),
    histogram("vllm:request_prefill_kv_computed_tokens", ENGINE, 926),
    histogram("vllm:kv_block_lifetime_seconds", ENGINE, 967, {
      gate: "KV cache residency metrics enabled (kv_cache_metrics_enabled)",
    }),
    histogram("vllm:kv_block_idle_before_evict_seconds", ENGINE, 980, {
      gate: "KV cache residency metrics enabled (kv_cache_metrics_enabled)",
    }),
    histogram("vllm:kv_block_reuse_gap_seconds", ENGINE, 993, {
      gate: "KV cache residency metrics enabled (kv_cache_metrics_enabled)",
    }),
    gauge("vllm:lora_requests_info", ["max_lora", "waiting_lora_adapters", "running_lora_adapters"], 1029, {
      gate: "a LoRA config",
    }),
    gauge("vllm:cache_config_info", ["engine"], 1045, {
      unconfirmed: "its other labels are CacheConfig's metrics_info() keys, not listed here",
    }),
  ].map((metric) => ({ ...metric, unconfirmed: metric.unconfirmed ?? UNOBSERVED })),
};
