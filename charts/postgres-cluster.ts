/**
 * A CloudNativePG `Cluster`: one PostgreSQL database with its owner, bootstrapped by `initdb`.
 * CloudNativePG generates the owner's credentials into the `<name>-app` Secret (keys `username`,
 * `password`, `uri`, …), so no password ever appears in our code or in the synthesized manifests.
 * Used for the MLflow backend store and for the pgvector engine of the vector database.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import type { Resources } from "./resources";

export interface PostgresClusterProps {
  /** The Cluster's name; also the prefix of the Services (`<name>-rw`, …) and Secrets (`<name>-app`) CloudNativePG creates. */
  readonly name: string;
  readonly namespace: string;
  /** The application database created by `initdb`. */
  readonly database: string;
  /** The database owner; CloudNativePG writes its generated credentials to `<name>-app`. */
  readonly owner: string;
  /** The PostgreSQL operand image (`repository:tag`), pinned so an operator upgrade never changes the major version. */
  readonly image: string;
  /** PostgreSQL instances (1 primary + replicas). */
  readonly instances: number;
  /** The size of each instance's data volume, e.g. `1Gi`. */
  readonly storageSize: string;
  /** Requests and limits of each PostgreSQL container. */
  readonly resources: Resources;
  /**
   * SQL run as superuser in the application database right after bootstrap (e.g. `CREATE EXTENSION vector`).
   * @default none
   */
  readonly postInitApplicationSQL?: readonly string[];
  /**
   * Let the operator create a PodMonitor; needs the Prometheus Operator CRDs (CloudNativePG marks the field deprecated).
   * @default false
   */
  readonly enablePodMonitor?: boolean;
  /**
   * Tenants, each a login role (its password in a `kubernetes.io/basic-auth` Secret in this namespace, managed by
   * the operator through `spec.managed.roles`) owning one database of its own (a `Database` resource), with the
   * given extensions. pg_hba lets each role into its own database and rejects it everywhere else.
   * @default none
   */
  readonly tenants?: ReadonlyArray<{
    readonly role: string;
    readonly database: string;
    readonly passwordSecret: string;
    readonly extensions?: readonly string[];
  }>;
}

/** A PostgreSQL identifier we create unquoted: lowercase letters, digits and '_', at most 63 bytes. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The `postgresql.cnpg.io/v1` API version of the Cluster custom resource. */
export const CNPG_API_VERSION = "postgresql.cnpg.io/v1";

export class PostgresClusterChart extends Chart {
  /** The Secret CloudNativePG fills with the owner's credentials and connection URIs. */
  public readonly appSecretName: string;
  /** The read/write Service pointing at the primary. */
  public readonly readWriteServiceName: string;

  constructor(scope: Construct, id: string, props: PostgresClusterProps) {
    super(scope, id, { namespace: props.namespace });
    const postInitApplicationSQL = props.postInitApplicationSQL ?? [];
    const enablePodMonitor = props.enablePodMonitor ?? false;
    const tenants = props.tenants ?? [];
    for (const tenant of tenants) {
      for (const [field, value] of [
        ["role", tenant.role],
        ["database", tenant.database],
      ] as const) {
        if (!IDENTIFIER.test(value)) {
          throw new Error(
            `PostgresClusterChart: tenant ${field} "${value}" is not a plain PostgreSQL identifier; use lowercase letters, digits and '_', starting with a letter or '_', at most 63 characters.`,
          );
        }
      }
    }
    this.appSecretName = `${props.name}-app`;
    this.readWriteServiceName = `${props.name}-rw`;

    new ApiObject(this, "cluster", {
      apiVersion: CNPG_API_VERSION,
      kind: "Cluster",
      metadata: { name: props.name },
      spec: {
        instances: props.instances,
        // Pinned so an operator upgrade never changes the PostgreSQL major version under existing data.
        imageName: props.image,
        storage: { size: props.storageSize },
        resources: props.resources,
        bootstrap: {
          initdb: {
            database: props.database,
            owner: props.owner,
            ...(postInitApplicationSQL.length > 0 ? { postInitApplicationSQL: [...postInitApplicationSQL] } : {}),
          },
        },
        ...(enablePodMonitor ? { monitoring: { enablePodMonitor: true } } : {}),
        ...(tenants.length > 0
          ? {
              managed: {
                roles: tenants.map((tenant) => ({
                  name: tenant.role,
                  ensure: "present",
                  login: true,
                  passwordSecret: { name: tenant.passwordSecret },
                })),
              },
              // First match wins: each tenant into its own database only. The operator places user rules after
              // its fixed rules and before its final `host all all all` rule (cloudnative-pg/cloudnative-pg:
              // docs/src/postgresql_conf.md, "The pg_hba section").
              postgresql: {
                pg_hba: [
                  ...tenants.map((tenant) => `host ${tenant.database} ${tenant.role} all scram-sha-256`),
                  ...tenants.map((tenant) => `host all ${tenant.role} all reject`),
                ],
              },
            }
          : {}),
      },
    });
    for (const tenant of tenants) {
      new ApiObject(this, `database-${tenant.database}`, {
        apiVersion: CNPG_API_VERSION,
        kind: "Database",
        metadata: { name: `${props.name}-${tenant.database.replace(/_/g, "-")}` },
        spec: {
          cluster: { name: props.name },
          name: tenant.database,
          owner: tenant.role,
          ...(tenant.extensions && tenant.extensions.length > 0
            ? { extensions: tenant.extensions.map((name) => ({ name, ensure: "present" })) }
            : {}),
        },
      });
    }
  }
}
