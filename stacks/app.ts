/**
 * Builds the cdktf app for one or more profiles. Every profile is loaded and validated (schema,
 * cross-field rules and component graph) before the first construct exists, so a bad profile
 * fails with one error and nothing is written to the output folder.
 */
import { App, Fn } from "cdktf";
import { MULTIKUEUE_KUBECONFIG_KEY, multiKueueKubeconfig } from "../charts/multikueue";
import { workerNames, workerProfile } from "../platform/multicluster";
import type { Profile } from "../profiles/schema";
import { CATALOG } from "../platform/catalog";
import type { ComponentDefinition } from "../platform/component";
import type { ClusterStack } from "./cluster-stack";
import { createClusterStack, identityServiceAccounts } from "./cluster-stack";
import { multiKueueSecretName } from "../platform/components/multikueue";
import { MULTIKUEUE_NAMESPACE } from "../charts/multikueue";
import { loadCheckedProfile } from "../platform/check";
import { resolveGraph } from "../platform/graph";
import { PlatformStack } from "./platform-stack";

export interface BuildOptions {
  /** Profile names to synthesize side by side. */
  readonly profiles: readonly string[];
  /** A fork's override (a partial profile) applied over each profile. @default none */
  readonly override?: unknown;
  /** Output folder. @default the App's: CDKTF_OUTDIR (which `cdktf synth --output` sets), else cdktf.out */
  readonly outdir?: string;
  /** The component catalog. @default CATALOG */
  readonly catalog?: readonly ComponentDefinition[];
}

export interface BuiltCluster {
  readonly profile: Profile;
  readonly cluster: ClusterStack;
  readonly platform: PlatformStack;
}

export interface BuiltProfile extends BuiltCluster {
  /** MultiKueue worker clusters, by worker name. */
  readonly workers: Readonly<Record<string, BuiltCluster>>;
}

export function buildApp(options: BuildOptions): { app: App; built: BuiltProfile[] } {
  const catalog = options.catalog ?? CATALOG;
  const profiles = options.profiles.map((name) => loadCheckedProfile(name, options.override, catalog));
  const app = new App({ outdir: options.outdir, skipValidation: false });
  const built = profiles.map((profile) => {
    // Workers first: the management cluster's platform reads each worker's endpoint, CA and token.
    const workers = Object.fromEntries(
      workerNames(profile).map((worker) => {
        const derived = workerProfile(profile, worker, catalog);
        const cluster = createClusterStack(app, `${derived.name}-cluster`, derived);
        const platform = new PlatformStack(app, `${derived.name}-platform`, {
          graph: resolveGraph(catalog, derived),
          cluster: cluster.connection,
          multikueueWorker: true,
        });
        platform.addDependency(cluster);
        return [worker, { profile: derived, cluster, platform }];
      }),
    );
    const cluster = createClusterStack(app, `${profile.name}-cluster`, profile);
    const platform = new PlatformStack(app, `${profile.name}-platform`, {
      graph: resolveGraph(catalog, profile),
      cluster: cluster.connection,
      identityServiceAccounts: identityServiceAccounts(cluster, profile),
      extraSecrets: Object.entries(workers).map(([worker, built]) => ({
        name: multiKueueSecretName(worker),
        namespace: MULTIKUEUE_NAMESPACE,
        data: {
          [MULTIKUEUE_KUBECONFIG_KEY]: multiKueueKubeconfig({
            clusterName: worker,
            // Workers are cloud clusters the platform creates (the worker schema): both are set.
            server: built.cluster.connection.host as string,
            caData: Fn.base64encode(built.cluster.connection.clusterCaCertificate as string),
            token: built.platform.multikueueToken as string,
          }),
        },
      })),
    });
    platform.addDependency(cluster);
    for (const worker of Object.values(workers)) platform.addDependency(worker.platform);
    return { profile, cluster, platform, workers };
  });
  return { app, built };
}
