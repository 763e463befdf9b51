/**
 * The ServiceAccount an InferenceService names (`spec.predictor.serviceAccountName`) to read models from
 * the object store. KServe's storage initializer takes S3 credentials from the Secrets a ServiceAccount
 * lists under `secrets`, reading the keys `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`; the endpoint and
 * region come from the cluster-wide `kserve.storage.s3.*` settings, so the Secret needs no annotations.
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";

export interface KserveStorageChartProps {
  /** The namespace the InferenceServices run in. */
  readonly namespace: string;
  /** The ServiceAccount's name. */
  readonly serviceAccountName: string;
  /** The Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in the same namespace. */
  readonly credentialsSecret: string;
}

export class KserveStorageChart extends Chart {
  constructor(scope: Construct, id: string, props: KserveStorageChartProps) {
    super(scope, id, { namespace: props.namespace, disableResourceNameHashes: true });
    new ApiObject(this, "service-account", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: props.serviceAccountName },
      secrets: [{ name: props.credentialsSecret }],
    });
  }
}
