/**
 * A small typed binding for the `tehcyx/kind` provider (no prebuilt cdktf binding exists on npm).
 * Only the attributes the distribution uses are typed; names follow
 * tehcyx/terraform-provider-kind@v0.11.0:docs/resources/cluster.md.
 */
import type { TerraformMetaArguments } from "cdktf";
import { TerraformProvider, TerraformResource } from "cdktf";
import type { Construct } from "constructs";
import { PROVIDERS } from "../../platform/versions";

const KIND_PROVIDER = PROVIDERS.kind;

const generatorMetadata = {
  providerName: "kind",
  providerVersion: KIND_PROVIDER.version,
  providerVersionConstraint: KIND_PROVIDER.version,
};

export class KindProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      terraformResourceType: "kind",
      terraformGeneratorMetadata: generatorMetadata,
      terraformProviderSource: KIND_PROVIDER.source,
    });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

export interface KindMount {
  readonly hostPath: string;
  readonly containerPath: string;
}

export interface KindNode {
  readonly role: "control-plane" | "worker";
  readonly image?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly extraMounts?: readonly KindMount[];
  /** kubeadm config patches (YAML documents) for this node. @default none */
  readonly kubeadmConfigPatches?: readonly string[];
}

export interface KindClusterConfig extends TerraformMetaArguments {
  readonly name: string;
  readonly nodeImage: string;
  /** @default true */
  readonly waitForReady?: boolean;
  readonly nodes: readonly KindNode[];
  /** containerd config snippets applied to every node. @default none */
  readonly containerdConfigPatches?: readonly string[];
}

export class KindCluster extends TerraformResource {
  private readonly config: KindClusterConfig;

  constructor(scope: Construct, id: string, config: KindClusterConfig) {
    super(scope, id, {
      terraformResourceType: "kind_cluster",
      terraformGeneratorMetadata: generatorMetadata,
      provider: config.provider,
      dependsOn: config.dependsOn,
      lifecycle: config.lifecycle,
    });
    this.config = config;
  }

  get endpoint(): string {
    return this.getStringAttribute("endpoint");
  }
  get clientCertificate(): string {
    return this.getStringAttribute("client_certificate");
  }
  get clientKey(): string {
    return this.getStringAttribute("client_key");
  }
  get clusterCaCertificate(): string {
    return this.getStringAttribute("cluster_ca_certificate");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    const { name, nodeImage, waitForReady, nodes, containerdConfigPatches } = this.config;
    return {
      name,
      node_image: nodeImage,
      wait_for_ready: waitForReady ?? true,
      kind_config: [
        {
          kind: "Cluster",
          api_version: "kind.x-k8s.io/v1alpha4",
          containerd_config_patches: containerdConfigPatches ? [...containerdConfigPatches] : undefined,
          node: nodes.map((node) => ({
            role: node.role,
            image: node.image,
            labels: node.labels && Object.keys(node.labels).length > 0 ? { ...node.labels } : undefined,
            extra_mounts: node.extraMounts?.map((m) => ({ host_path: m.hostPath, container_path: m.containerPath })),
            kubeadm_config_patches: node.kubeadmConfigPatches ? [...node.kubeadmConfigPatches] : undefined,
          })),
        },
      ],
    };
  }
}
