/**
 * The sample feature repository (feature-repo.py: a driver-statistics Feast project) run as a Kueue-queued Job in a
 * team namespace: `apply` creates and fills its source table in the team's database, registers the definitions and
 * materializes them into the online store; `train` and `serve` print what the training and serving paths read. The
 * team's `feature_store.yaml` comes from a Secret key into FEAST_FEATURE_STORE_YAML (platform/components/feast.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

/** The sample repository's Python source: feature definitions, `feature_store()`, `historical_features()`, `online_features()`. */
export const FEATURE_REPO_SCRIPT = readFileSync(join(__dirname, "feature-repo.py"), "utf8");

export const FEATURE_REPO_COMMANDS = ["apply", "train", "serve"] as const;
export type FeatureRepoCommand = (typeof FEATURE_REPO_COMMANDS)[number];

export interface FeatureRepoJobProps {
  /** Job name. */
  readonly name: string;
  readonly placement: Placement;
  /** An image with Feast 0.66.0 and its PostgreSQL extras (the feature server's). */
  readonly image: string;
  /** The Secret key with the team's `feature_store.yaml`. */
  readonly config: { readonly secretName: string; readonly key: string };
  /** @default "apply" */
  readonly command?: FeatureRepoCommand;
  /** @default { cpu: "500m", memory: "1Gi" } (pandas and the SDK) */
  readonly resources?: PodResources;
  /** @default 6: the first run may start before the database has created the team's role; the backoff waits about ten minutes */
  readonly backoffLimit?: number;
}

/** The container's `feature_store.yaml`, from the team's Secret key into the variable feature-repo.py reads. */
export function featureStoreEnv(config: FeatureRepoJobProps["config"]): Record<string, unknown> {
  return {
    name: "FEAST_FEATURE_STORE_YAML",
    valueFrom: { secretKeyRef: { name: config.secretName, key: config.key } },
  };
}

const DEFAULT_RESOURCES: PodResources = { cpu: "500m", memory: "1Gi" };

export class FeatureRepoJob extends Construct {
  /** What the pod requests while it runs. */
  public readonly demand: ResourceDemand;
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: FeatureRepoJobProps) {
    super(scope, id);
    const workload = `FeatureRepoJob "${props.name}"`;
    const command = props.command ?? "apply";
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const backoffLimit = props.backoffLimit ?? 6;
    validateName(workload, "name", props.name);
    if (props.image.trim() === "") throw propsError(workload, "image", props.image, "pass a pinned Feast image");
    if (!FEATURE_REPO_COMMANDS.includes(command)) {
      throw propsError(workload, "command", command, `use one of ${FEATURE_REPO_COMMANDS.join(", ")}`);
    }
    validateName(workload, "config.secretName", props.config.secretName);
    if (props.config.key.trim() === "") {
      throw propsError(workload, "config.key", props.config.key, "name the Secret key that holds feature_store.yaml");
    }
    validatePodResources(workload, "resources", resources);
    validateCount(workload, "backoffLimit", backoffLimit, 0);

    this.demand = podDemand(resources, 1);
    this.apiObject = new ApiObject(
      this,
      "job",
      queuedJobManifest({
        name: props.name,
        placement: props.placement,
        backoffLimit,
        runAsUser: DEFAULT_JOB_RUN_AS_USER,
        container: {
          name: "feature-repo",
          image: props.image,
          command: ["python3", "-B", "-c", FEATURE_REPO_SCRIPT, command],
          env: [featureStoreEnv(props.config)],
          resources: containerResources(resources),
        },
      }),
    );
  }
}
