/**
 * The KServe ClusterServingRuntimes the platform offers, as our own objects rather than the
 * `kserve-runtime-configs` chart: that chart (v0.20.0) always renders `kserve-vllmserver` with
 * `vllm/vllm-openai:latest`, and its values can neither pin nor disable it
 * (kserve/kserve@v0.20.0:charts/kserve-runtime-configs/files/runtimes/clusterservingruntimes-patch.yaml
 * has no entry for it). Here only the runtimes we use exist, each with a pinned image, the restricted
 * security context and default resources for predictors that set none.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { Resources } from "./resources";

export interface ModelFormat {
  readonly name: string;
  readonly version: string;
}

export interface ServingRuntime {
  /** The runtime's name without the `kserve-` prefix, e.g. `sklearnserver` (the server-type annotation). */
  readonly name: string;
  /** The pinned image reference. */
  readonly image: string;
  /** The model formats it serves; InferenceServices of these formats select it automatically. */
  readonly formats: readonly ModelFormat[];
  readonly protocolVersions: readonly string[];
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Mounts a memory-backed /dev/shm (the Hugging Face server's tokenizers and torch need it). */
  readonly sharedMemory?: boolean;
}

export interface ServingRuntimesChartProps {
  readonly runtimes: readonly ServingRuntime[];
  /** What a predictor's container gets when its InferenceService sets no resources. */
  readonly resources: Resources;
}

/** The restricted container security context every runtime runs with. */
export const RUNTIME_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  privileged: false,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export class ServingRuntimesChart extends Chart {
  constructor(scope: Construct, id: string, props: ServingRuntimesChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const runtime of props.runtimes) {
      new ApiObject(this, runtime.name, {
        apiVersion: "serving.kserve.io/v1alpha1",
        kind: "ClusterServingRuntime",
        metadata: {
          name: `kserve-${runtime.name}`,
          annotations: { "serving.kserve.io/server-type": runtime.name },
        },
        spec: {
          annotations: { "prometheus.kserve.io/path": "/metrics", "prometheus.kserve.io/port": "8080" },
          supportedModelFormats: runtime.formats.map((f) => ({
            name: f.name,
            version: f.version,
            autoSelect: true,
            priority: 1,
          })),
          protocolVersions: [...runtime.protocolVersions],
          containers: [
            {
              name: "kserve-container",
              image: runtime.image,
              args: [...runtime.args],
              ...(runtime.env && { env: Object.entries(runtime.env).map(([name, value]) => ({ name, value })) }),
              resources: props.resources,
              securityContext: RUNTIME_SECURITY_CONTEXT,
              ...(runtime.sharedMemory && { volumeMounts: [{ name: "devshm", mountPath: "/dev/shm" }] }),
            },
          ],
          ...(runtime.sharedMemory && { volumes: [{ name: "devshm", emptyDir: { medium: "Memory" } }] }),
        },
      });
    }
  }
}
