/**
 * The cluster stack for an existing cluster reached through a kubeconfig (on-premises, OpenShift, RKE2,
 * k3s): it creates nothing. It reads what the platform relies on and fails the plan with the fix when the
 * cluster does not have it: the API answers at the profile's Kubernetes minor, and every pool has at least
 * its `nodes` nodes labelled `cnai.io/pool: <pool>`. The platform stack reaches the cluster through the
 * same kubeconfig file and context.
 */
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { DataKubernetesNodes } from "@cdktf/provider-kubernetes/lib/data-kubernetes-nodes";
import { DataKubernetesServerVersion } from "@cdktf/provider-kubernetes/lib/data-kubernetes-server-version";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { POOL_LABEL, poolNames } from "../../profiles/plan";
import type { KubeconfigClusterConfig, Profile } from "../../profiles/schema";
import type { ClusterConnection } from "./connection";
import { pinProviders } from "../providers/pins";
import { configureBackend } from "./state";

export interface KubeconfigClusterStackProps {
  readonly profile: Profile & { readonly cluster: KubeconfigClusterConfig };
}

/** How the providers reach the cluster: the kubeconfig file and, when given, its context. */
export function kubeconfigConnection(cluster: KubeconfigClusterConfig): ClusterConnection {
  return { configPath: cluster.kubeconfig, ...(cluster.context !== undefined && { configContext: cluster.context }) };
}

export class KubeconfigClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: KubeconfigClusterStackProps) {
    super(scope, id);
    const { profile } = props;
    const { cluster } = profile;
    configureBackend(this, profile, id);
    this.connection = kubeconfigConnection(cluster);
    new KubernetesProvider(this, "kubernetes", { configPath: cluster.kubeconfig, configContext: cluster.context });
    pinProviders(this, ["kubernetes"]);

    const [major, minor] = cluster.kubernetesVersion.split(".");
    const version = new DataKubernetesServerVersion(this, "server-version", {
      lifecycle: {
        postcondition: [
          {
            // Managed clusters report minors such as "35+": compare the leading digits.
            condition: `\${self.major == "${major}" && tonumber(regex("^[0-9]+", self.minor)) == ${Number(minor)}}`,
            errorMessage: `cluster.kubernetesVersion is "${cluster.kubernetesVersion}", but the API server at ${cluster.kubeconfig}${cluster.context ? ` (context ${cluster.context})` : ""} is another version: set cluster.kubernetesVersion to the server's major.minor (kubectl version)`,
          },
        ],
      },
    });
    new TerraformOutput(this, "server-version-output", { value: version.version });

    for (const poolName of poolNames(profile)) {
      const wanted = profile.pools[poolName].nodes;
      const nodes = new DataKubernetesNodes(this, `pool-${poolName}`, {
        metadata: { labels: { [POOL_LABEL]: poolName } },
        lifecycle: {
          postcondition: [
            {
              condition: `\${length(self.nodes) >= ${wanted}}`,
              errorMessage: `pools.${poolName}.nodes is ${wanted}, but fewer nodes carry the label ${POOL_LABEL}=${poolName}: label them (kubectl label node <node> ${POOL_LABEL}=${poolName}) or lower pools.${poolName}.nodes`,
            },
          ],
        },
      });
      new TerraformOutput(this, `pool-${poolName}-nodes`, { value: `\${length(${nodes.fqn}.nodes)}` });
    }
  }
}
