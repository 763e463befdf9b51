/**
 * A large language model served by KServe's Hugging Face server (the `kserve-huggingfaceserver`
 * ClusterServingRuntime, pinned in platform/versions.ts), which answers on an OpenAI-compatible API. The
 * server picks vLLM for a model architecture vLLM supports and falls back to Transformers otherwise
 * (`--backend auto`, kserve/kserve@v0.20.0:python/huggingfaceserver/huggingfaceserver/__main__.py), so one
 * runtime serves small models on a MIG slice or a shared GPU slot and larger ones on whole GPUs.
 *
 * The model comes from the team's models bucket (`storageUri`, downloaded by KServe's storage initializer
 * with the ServiceAccount's credentials) or from the Hugging Face Hub by id (`--model_id`, fetched by the server
 * itself; a gated model needs a token, read from a Secret into `HF_TOKEN`, the variable huggingface_hub reads).
 * Queued like every predictor: Kueue admits its pods through the queue labels (inference-service.ts).
 */
import { Construct } from "constructs";
import type { ApiObject } from "cdk8s";
import { InferenceServiceWorkload } from "./inference-service";
import type { ServingAutoscaling } from "./inference-service";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import { propsError, validateCount } from "./placement";

/** The model format the `kserve-huggingfaceserver` runtime declares (platform/components/kserve.ts). */
export const HUGGINGFACE_FORMAT = "huggingface";
/** The Hugging Face server's OpenAI-compatible routes live under this path. */
export const OPENAI_PATH = "/openai/v1";
/** The variable huggingface_hub reads its access token from. */
export const HF_TOKEN_ENV = "HF_TOKEN";

/** The variable OpenTelemetry SDKs take the service name from (the `service.name` resource attribute). */
export const OTEL_SERVICE_NAME_ENV = "OTEL_SERVICE_NAME";

/**
 * vLLM's OpenTelemetry request traces. vLLM exports one span per request with GenAI semantic-convention attributes
 * (`gen_ai.usage.prompt_tokens`, `gen_ai.usage.completion_tokens`, `gen_ai.response.model`, `gen_ai.request.max_tokens`,
 * `gen_ai.latency.time_to_first_token`, `gen_ai.latency.e2e`, `gen_ai.latency.time_in_queue`: `SpanAttributes` in
 * vllm-project/vllm:vllm/tracing.py, read at a recent commit, not at the v0.24.0 tag the image installs). The Hugging
 * Face server adds vLLM's own argument parser and builds the engine from it when the vLLM backend runs
 * (kserve/kserve@v0.20.0:python/huggingfaceserver/huggingfaceserver/__main__.py `maybe_add_vllm_cli_parser`,
 * huggingfaceserver/vllm/utils.py `AsyncEngineArgs.from_cli_args`), so vLLM's `--otlp-traces-endpoint` reaches the
 * engine; the Transformers fallback ignores it (`parse_known_args`). The image installs vLLM 0.24.0
 * (kserve/kserve@v0.20.0:python/huggingface_server.Dockerfile, huggingface_server_cpu.Dockerfile `VLLM_VERSION`) and the
 * OTLP exporters (python/huggingfaceserver/uv.lock: opentelemetry-exporter-otlp 1.40.0).
 */
export interface LlmTracing {
  /**
   * An OTLP/gRPC endpoint (vLLM's default protocol), e.g. the platform's gateway
   * `http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317`; `http://` means no TLS.
   */
  readonly otlpEndpoint: string;
  /**
   * The traces' `service.name`.
   * @default the InferenceService name
   */
  readonly serviceName?: string;
}

export type LlmModelSource =
  | { readonly storageUri: string }
  | {
      /** A Hugging Face Hub id, e.g. `Qwen/Qwen2.5-0.5B-Instruct`. */
      readonly huggingFaceId: string;
      /**
       * A commit or tag of the model repository, so the served weights do not change under you.
       * @default the repository's default branch (unpinned)
       */
      readonly revision?: string;
      /**
       * A Secret in the team namespace holding a Hugging Face token, for gated models.
       * @default none
       */
      readonly tokenSecret?: { readonly secretName: string; readonly key: string };
    };

export interface LlmServiceWorkloadProps {
  /** InferenceService name. */
  readonly name: string;
  readonly placement: Placement;
  readonly model: LlmModelSource;
  /** The predictor; give a GPU (a MIG slice or a shared slot is enough for a small model). */
  readonly resources: PodResources;
  /**
   * The longest prompt plus completion in tokens (`--max_model_len`); smaller leaves a small GPU room for the KV cache.
   * @default the model's own maximum
   */
  readonly maxModelLength?: number;
  /** @default 1 */
  readonly minReplicas?: number;
  /** @default minReplicas */
  readonly maxReplicas?: number;
  /**
   * KEDA autoscaling on Prometheus queries (see InferenceServiceWorkloadProps.autoscaling).
   * @default KServe's HPA on CPU
   */
  readonly autoscaling?: ServingAutoscaling;
  /**
   * A PodMonitor for the server's metrics (see InferenceServiceWorkloadProps.podMonitor).
   * @default false
   */
  readonly podMonitor?: boolean;
  /**
   * Send vLLM's request traces over OTLP (see LlmTracing).
   * @default no traces
   */
  readonly tracing?: LlmTracing;
}

/** The OpenAI-compatible base URL of a Hugging Face server inside the cluster (the predictor Service of Standard mode, port 80). */
export function openAiBaseUrl(name: string, namespace: string): string {
  return `http://${name}-predictor.${namespace}.svc.cluster.local${OPENAI_PATH}`;
}

const HF_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export class LlmServiceWorkload extends Construct {
  public readonly demand: ResourceDemand;
  public readonly restingDemand: ResourceDemand;
  public readonly apiObject: ApiObject;
  /** The OpenAI-compatible base URL inside the cluster (the predictor Service of Standard mode, port 80). */
  public readonly openAiBaseUrl: string;
  /** The prefix of the predictor pods' names, for queries over their metrics. */
  public readonly podNamePrefix: string;

  constructor(scope: Construct, id: string, props: LlmServiceWorkloadProps) {
    super(scope, id);
    const workload = `LlmServiceWorkload "${props.name}"`;
    const args: string[] = [];
    const secretEnv: Record<string, { secretName: string; key: string }> = {};
    let storageUri: string | undefined;
    if ("storageUri" in props.model) {
      storageUri = props.model.storageUri;
    } else {
      const { huggingFaceId, revision, tokenSecret } = props.model;
      if (!HF_ID.test(huggingFaceId)) {
        throw propsError(
          workload,
          "model.huggingFaceId",
          huggingFaceId,
          "give a Hub id <owner>/<name>, e.g. Qwen/Qwen2.5-0.5B-Instruct",
        );
      }
      args.push(`--model_id=${huggingFaceId}`);
      if (revision !== undefined) {
        if (!/^[\w.-]+$/.test(revision)) {
          throw propsError(workload, "model.revision", revision, "give a commit hash or tag of the model repository");
        }
        args.push(`--model_revision=${revision}`);
      }
      if (tokenSecret) secretEnv[HF_TOKEN_ENV] = { ...tokenSecret };
    }
    if (props.maxModelLength !== undefined) {
      validateCount(workload, "maxModelLength", props.maxModelLength, 16);
      args.push(`--max_model_len=${props.maxModelLength}`);
    }
    const env: Record<string, string> = {};
    if (props.tracing) {
      const { otlpEndpoint, serviceName = props.name } = props.tracing;
      if (!/^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(otlpEndpoint)) {
        throw propsError(
          workload,
          "tracing.otlpEndpoint",
          otlpEndpoint,
          "give an OTLP/gRPC endpoint http(s)://<host>:<port>, e.g. http://opentelemetry-collector.opentelemetry.svc.cluster.local:4317",
        );
      }
      if (!/^[\w.-]+$/.test(serviceName)) {
        throw propsError(workload, "tracing.serviceName", serviceName, "use letters, digits, '.', '_' and '-'");
      }
      args.push(`--otlp-traces-endpoint=${otlpEndpoint}`);
      env[OTEL_SERVICE_NAME_ENV] = serviceName;
    }
    const service = new InferenceServiceWorkload(this, "inference-service", {
      name: props.name,
      placement: props.placement,
      modelFormat: HUGGINGFACE_FORMAT,
      storageUri,
      args,
      env,
      secretEnv,
      resources: props.resources,
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      autoscaling: props.autoscaling,
      podMonitor: props.podMonitor,
    });
    this.demand = service.demand;
    this.restingDemand = service.restingDemand;
    this.apiObject = service.apiObject;
    this.podNamePrefix = service.podNamePrefix;
    this.openAiBaseUrl = openAiBaseUrl(props.name, props.placement.namespace);
  }
}
