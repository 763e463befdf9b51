/**
 * Builds the cdktf app for one or more profiles. Every profile is loaded and validated (schema,
 * cross-field rules and component graph) before the first construct exists, so a bad profile
 * fails with one error and nothing is written to the output folder.
 */
import { App } from "cdktf";
import { loadProfile } from "../profiles/load";
import type { Profile } from "../profiles/schema";
import { CATALOG } from "./catalog";
import type { ComponentDefinition } from "./component";
import type { ClusterStack } from "./cluster-stack";
import { clusterStackProblems, createClusterStack } from "./cluster-stack";
import { sampleProblems } from "./components/samples";
import { graphProblems, resolveGraph } from "./graph";
import { PlatformStack } from "./platform-stack";

export interface BuildOptions {
  /** Profile names to synthesize side by side. */
  readonly profiles: readonly string[];
  /** A fork's override (a partial profile) applied over each profile. @default none */
  readonly override?: unknown;
  /** Output folder. @default cdktf's (CDKTF_OUTDIR or cdktf.out) */
  readonly outdir?: string;
  /** The component catalog. @default CATALOG */
  readonly catalog?: readonly ComponentDefinition[];
}

export interface BuiltProfile {
  readonly profile: Profile;
  readonly cluster: ClusterStack;
  readonly platform: PlatformStack;
}

/** Loads a profile with every check, including the component graph's. */
export function loadCheckedProfile(name: string, override?: unknown, catalog = CATALOG): Profile {
  return loadProfile(name, override, (profile) => [
    ...graphProblems(catalog, profile),
    ...sampleProblems(profile),
    ...clusterStackProblems(profile),
  ]);
}

export function buildApp(options: BuildOptions): { app: App; built: BuiltProfile[] } {
  const catalog = options.catalog ?? CATALOG;
  const profiles = options.profiles.map((name) => loadCheckedProfile(name, options.override, catalog));
  const app = new App({ outdir: options.outdir, skipValidation: false });
  const built = profiles.map((profile) => {
    const cluster = createClusterStack(app, `${profile.name}-cluster`, profile);
    const platform = new PlatformStack(app, `${profile.name}-platform`, {
      graph: resolveGraph(catalog, profile),
      cluster: cluster.connection,
    });
    platform.addDependency(cluster);
    return { profile, cluster, platform };
  });
  return { app, built };
}
