/**
 * Where Argo Workflows keeps each team's artifacts: an `artifact-repositories` ConfigMap in every team namespace, whose
 * annotation names the entry a Workflow uses when it names none (https://argo-workflows.readthedocs.io/en/latest/
 * artifact-repository-ref/). One repository per team, not the chart's controller-wide `artifactRepository.s3`,
 * because a team's keys (`object-store-credentials`) are scoped to its own bucket. The executor reads the keys from
 * that Secret in the workflow's namespace.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { stringify } from "yaml";

/** The ConfigMap name Argo looks up in a workflow's namespace. */
export const ARTIFACT_REPOSITORIES = "artifact-repositories";
/** The annotation naming the default entry of that ConfigMap. */
export const DEFAULT_REPOSITORY_ANNOTATION = "workflows.argoproj.io/default-artifact-repository";
/** The default entry's key. */
export const DEFAULT_REPOSITORY_KEY = "default-v1";

export interface ArgoArtifactStore {
  /** The S3 endpoint URL (`http://host:port`); Argo takes the host and port, and `insecure` from the scheme. */
  readonly endpoint: string;
  readonly region: string;
  /** The Secret with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` in each team namespace. */
  readonly credentialsSecret: string;
}

export interface ArgoArtifactsChartProps {
  readonly store: ArgoArtifactStore;
  /** Each team namespace and its bucket. */
  readonly teams: ReadonlyArray<{ readonly namespace: string; readonly bucket: string }>;
}

/** A team's S3 artifact repository, as Argo's `ArtifactRepository` (the ConfigMap entry's content). */
export function s3ArtifactRepository(store: ArgoArtifactStore, bucket: string): Record<string, unknown> {
  const url = new URL(store.endpoint);
  return {
    s3: {
      bucket,
      endpoint: url.host,
      insecure: url.protocol !== "https:",
      region: store.region,
      accessKeySecret: { name: store.credentialsSecret, key: "AWS_ACCESS_KEY_ID" },
      secretKeySecret: { name: store.credentialsSecret, key: "AWS_SECRET_ACCESS_KEY" },
    },
  };
}

export class ArgoArtifactsChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoArtifactsChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    for (const { namespace, bucket } of props.teams) {
      new ApiObject(this, `artifact-repositories-${namespace}`, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: ARTIFACT_REPOSITORIES,
          namespace,
          annotations: { [DEFAULT_REPOSITORY_ANNOTATION]: DEFAULT_REPOSITORY_KEY },
        },
        data: { [DEFAULT_REPOSITORY_KEY]: stringify(s3ArtifactRepository(props.store, bucket)) },
      });
    }
  }
}
