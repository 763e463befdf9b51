/**
 * Per-team Qdrant keys: a Helm hook Job in Qdrant's namespace signs one JSON Web Token per team with Qdrant's
 * API key (qdrant-team-keys.py, Python standard library only) and writes it into the team's namespace. Each
 * token grants read-write on the team's own collection and nothing else, so the admin key never leaves
 * Qdrant's namespace. A collection-scoped token cannot create its collection (Qdrant's "table of access",
 * https://qdrant.tech/documentation/guides/security/), so the Job first creates each team's collection when it
 * is missing, with the admin key and the given vector parameters; an existing one is left as it is. The Job
 * may write exactly one Secret name in each team namespace.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { DNS_LABEL_FIX, isDnsLabel } from "../profiles/names";

/** The Secret each team namespace receives (keys `api-key`, `collection`, `endpoint`). */
export const TEAM_VECTOR_SECRET = "vector-db-credentials";

export interface QdrantTeamKeysProps {
  /** Qdrant's namespace, where the Job runs and the API key Secret lives. */
  readonly namespace: string;
  /** The Secret (and key) holding Qdrant's API key, the signing key. */
  readonly apiKeySecret: { readonly name: string; readonly key: string };
  /** Each team namespace and the one collection its key opens. */
  readonly teams: ReadonlyArray<{ readonly namespace: string; readonly collection: string }>;
  /** The database address written beside each key, e.g. `http://qdrant.vector-db.svc.cluster.local:6333`. */
  readonly endpoint: string;
  /**
   * The vector parameters of a team collection the Job creates (Qdrant's `VectorParams`: size 1 to 65536,
   * qdrant/qdrant@v1.19.0:lib/collection/src/operations/types.rs).
   */
  readonly vectors: { readonly size: number; readonly distance: "Cosine" | "Dot" | "Euclid" | "Manhattan" };
  /** An image with Python 3 (`python3` on the PATH). */
  readonly image: string;
  /**
   * How long Helm waits for the Job.
   * @default 300
   */
  readonly timeoutSeconds?: number;
}

const NAME = "qdrant-team-keys";
const SCRIPT = readFileSync(join(__dirname, "qdrant-team-keys.py"), "utf8");
/** Qdrant collection names: no path separators; we also keep them to DNS-label characters. */
const COLLECTION = /^[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?$/;

export class QdrantTeamKeys extends Chart {
  constructor(scope: Construct, id: string, props: QdrantTeamKeysProps) {
    super(scope, id);
    for (const team of props.teams) {
      if (!isDnsLabel(team.namespace)) {
        throw new Error(
          `QdrantTeamKeys: team namespace "${team.namespace}" is not a DNS-1123 label; ${DNS_LABEL_FIX}.`,
        );
      }
      if (!COLLECTION.test(team.collection)) {
        throw new Error(
          `QdrantTeamKeys: collection "${team.collection}" of ${team.namespace} must be 1 to 63 lowercase letters, digits, '-' or '_'.`,
        );
      }
    }
    if (!Number.isInteger(props.vectors.size) || props.vectors.size < 1 || props.vectors.size > 65536) {
      throw new Error(`QdrantTeamKeys: vector size ${props.vectors.size} must be an integer from 1 to 65536.`);
    }
    const timeoutSeconds = props.timeoutSeconds ?? 300;
    const subject = { kind: "ServiceAccount", name: NAME, namespace: props.namespace };
    new ApiObject(this, "service-account", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: NAME, namespace: props.namespace },
    });
    for (const team of props.teams) {
      // `create` cannot be limited by name; get/update only on the team's one Secret.
      new ApiObject(this, `role-${team.namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: NAME, namespace: team.namespace },
        rules: [
          { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
          { apiGroups: [""], resources: ["secrets"], resourceNames: [TEAM_VECTOR_SECRET], verbs: ["get", "update"] },
        ],
      });
      new ApiObject(this, `role-binding-${team.namespace}`, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: NAME, namespace: team.namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: NAME },
        subjects: [subject],
      });
    }
    new ApiObject(this, "script", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: NAME, namespace: props.namespace },
      data: { "mint.py": SCRIPT },
    });
    new ApiObject(this, "job", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: NAME,
        namespace: props.namespace,
        annotations: {
          "helm.sh/hook": "post-install,post-upgrade",
          "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
        },
      },
      spec: {
        backoffLimit: 6,
        activeDeadlineSeconds: timeoutSeconds,
        template: {
          spec: {
            serviceAccountName: NAME,
            restartPolicy: "OnFailure",
            securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "mint",
                image: props.image,
                command: ["python3", "-B", "/script/mint.py"],
                env: [
                  // The key is read from a file, not an environment variable, so no process listing shows it.
                  { name: "QDRANT_API_KEY_FILE", value: `/api-key/${props.apiKeySecret.key}` },
                  { name: "TEAMS", value: JSON.stringify(props.teams) },
                  { name: "SECRET_NAME", value: TEAM_VECTOR_SECRET },
                  { name: "ENDPOINT", value: props.endpoint },
                  {
                    name: "COLLECTION_VECTORS",
                    value: JSON.stringify({ size: props.vectors.size, distance: props.vectors.distance }),
                  },
                ],
                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [
                  { name: "script", mountPath: "/script", readOnly: true },
                  { name: "api-key", mountPath: "/api-key", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "script", configMap: { name: NAME } },
              {
                name: "api-key",
                secret: {
                  secretName: props.apiKeySecret.name,
                  items: [{ key: props.apiKeySecret.key, path: props.apiKeySecret.key }],
                },
              },
            ],
          },
        },
      },
    });
  }
}
