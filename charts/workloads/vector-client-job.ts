/**
 * A small Kueue-queued `batch/v1` Job that talks to the platform's vector database (ingest, a query
 * smoke test). The client learns the engine and address from `VECTOR_DB_ENGINE` / `VECTOR_DB_ENDPOINT`
 * and, when given, its credential from `VECTOR_DB_CREDENTIALS`, read from a Secret: a Qdrant API key,
 * a Milvus token, or for pgvector the `uri` key of CloudNativePG's `<cluster>-app` Secret.
 */
import { ApiObject } from "cdk8s";
import { Construct } from "constructs";
import type { Placement, PodResources, ResourceDemand } from "./placement";
import {
  containerResources,
  DEFAULT_JOB_RUN_AS_USER,
  podDemand,
  propsError,
  queuedJobManifest,
  validateCount,
  validateName,
  validatePodResources,
} from "./placement";

export type VectorEngine = "qdrant" | "milvus" | "pgvector";

export interface VectorClientJobProps {
  /** Job name. */
  readonly name: string;
  readonly placement: Placement;
  readonly engine: VectorEngine;
  /**
   * The database address without credentials: `http://qdrant.vector-db.svc.cluster.local:6333`,
   * `http://milvus.vector-db.svc.cluster.local:19530`, or for pgvector a host (`<cluster>-rw.<ns>`)
   * or `postgresql://host:5432/db` URL.
   */
  readonly endpoint: string;
  readonly image: string;
  readonly command: readonly string[];
  /** @default none */
  readonly args?: readonly string[];
  /**
   * The Secret key holding the client's credential.
   * @default none (an unauthenticated database)
   */
  readonly credentials?: { readonly secretName: string; readonly key: string };
  /** @default { cpu: "100m", memory: "256Mi" } */
  readonly resources?: PodResources;
  /** @default 2 (a client retry is cheap) */
  readonly backoffLimit?: number;
  /** @default 10001 (DEFAULT_JOB_RUN_AS_USER) */
  readonly runAsUser?: number;
}

const DEFAULT_RESOURCES: PodResources = { cpu: "100m", memory: "256Mi" };

/** The URL schemes each engine's clients accept; pgvector also takes a bare host. */
const ENDPOINT_SCHEMES: Record<VectorEngine, readonly string[]> = {
  qdrant: ["http", "https"],
  milvus: ["http", "https", "tcp"],
  pgvector: ["postgresql", "postgres"],
};

export class VectorClientJob extends Construct {
  /** What the client pod requests while it runs. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: VectorClientJobProps) {
    super(scope, id);
    const workload = `VectorClientJob "${props.name}"`;
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const backoffLimit = props.backoffLimit ?? 2;

    validateName(workload, "name", props.name);
    if (!(props.engine in ENDPOINT_SCHEMES)) {
      throw propsError(workload, "engine", props.engine, "use qdrant, milvus or pgvector");
    }
    validateEndpoint(workload, props.engine, props.endpoint);
    if (props.image.trim() === "") throw propsError(workload, "image", props.image, "pass a pinned client image");
    if (props.command.length === 0) {
      throw propsError(workload, "command", props.command, 'give the entrypoint, e.g. ["python", "ingest.py"]');
    }
    validatePodResources(workload, "resources", resources);
    validateCount(workload, "backoffLimit", backoffLimit, 0);
    if (props.runAsUser !== undefined) validateCount(workload, "runAsUser", props.runAsUser, 1);

    this.demand = podDemand(resources, 1);

    this.apiObject = new ApiObject(
      this,
      "job",
      queuedJobManifest({
        name: props.name,
        placement: props.placement,
        backoffLimit,
        runAsUser: props.runAsUser ?? DEFAULT_JOB_RUN_AS_USER,
        container: {
          name: "vector-client",
          image: props.image,
          command: [...props.command],
          ...(props.args ? { args: [...props.args] } : {}),
          env: [
            { name: "VECTOR_DB_ENGINE", value: props.engine },
            { name: "VECTOR_DB_ENDPOINT", value: props.endpoint },
            ...(props.credentials
              ? [
                  {
                    name: "VECTOR_DB_CREDENTIALS",
                    valueFrom: { secretKeyRef: { name: props.credentials.secretName, key: props.credentials.key } },
                  },
                ]
              : []),
          ],
          resources: containerResources(resources),
        },
      }),
    );
  }
}

function validateEndpoint(workload: string, engine: VectorEngine, endpoint: string): void {
  const schemes = ENDPOINT_SCHEMES[engine];
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/\s]+)(\/\S*)?$/.exec(endpoint);
  if (match?.[2].includes("@")) {
    throw propsError(
      workload,
      "endpoint",
      endpoint,
      "remove the credentials from the address and pass them through the credentials Secret",
    );
  }
  const bareHost = engine === "pgvector" && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d+)?$/.test(endpoint);
  if (bareHost || (match && schemes.includes(match[1]))) return;
  throw propsError(
    workload,
    "endpoint",
    endpoint,
    `give a ${schemes.map((s) => `${s}://`).join(" or ")} address${engine === "pgvector" ? " or a host name" : ""} for ${engine}`,
  );
}
