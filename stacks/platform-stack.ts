/**
 * The platform stack: namespaces, generated credentials, and one Helm release per step of every
 * managed component, each `depends_on` exactly what the computed graph says it waits for.
 *
 * Two traps are solved by construction:
 *  - custom resources ship in local Helm charts (see local-chart.ts), so nothing needs a CRD at plan time;
 *  - objects validated by an operator's webhook are installed only after that operator's webhook gate
 *    (charts/webhook-gate.ts) has had a dry-run object accepted.
 */
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { Release } from "@cdktf/provider-helm/lib/release";
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import type { ITerraformDependable } from "cdktf";
import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { stringify } from "yaml";
import type { ClusterConnection } from "./clusters/connection";
import { configureBackend } from "./clusters/state";
import type { CredentialId, GeneratedSecret, NamespaceSpec } from "../platform/component";
import { CREDENTIAL_ROLE_LABEL } from "../platform/component";
import type { PlannedStep, ResolvedGraph } from "../platform/graph";
import { planSteps } from "../platform/graph";
import { gateChart } from "../platform/gates";
import { localChartAsset } from "./local-chart";
import { MULTIKUEUE_NAMESPACE } from "../charts/multikueue";
import { teamNames, teamNamespace } from "../profiles/plan";
import { addMultiKueueWorkerAccess } from "./multikueue-access";
import { pinProviders } from "./providers/pins";
import { releaseValues } from "../platform/values";
import { releaseOptions } from "../platform/release-options";
import { CHARTS } from "../platform/versions";
import { byText } from "../profiles/order";

/** A Secret whose values come from other stacks (e.g. a MultiKueue worker's kubeconfig); values may be tokens. */
export interface ExtraSecret {
  readonly name: string;
  readonly namespace: string;
  readonly data: Readonly<Record<string, string>>;
}

export interface PlatformStackProps {
  readonly graph: ResolvedGraph;
  readonly cluster: ClusterConnection;
  /** Secrets built from other stacks' outputs, created with the generated ones. @default none */
  readonly extraSecrets?: readonly ExtraSecret[];
  /** Create the least-privileged ServiceAccount a MultiKueue manager uses on this (worker) cluster. @default false */
  readonly multikueueWorker?: boolean;
  /**
   * ServiceAccounts bound to the cloud's workload identity for the object storage (MLflow's, each team's KServe
   * account), created here because their annotations come from the cluster stack. @default none
   */
  readonly identityServiceAccounts?: ReadonlyArray<{
    readonly namespace: string;
    readonly name: string;
    readonly annotations: Readonly<Record<string, string>>;
  }>;
}

/** Every namespace the enabled components install into, labels merged, sorted by name. */
export function collectNamespaces(graph: ResolvedGraph): NamespaceSpec[] {
  const byName = new Map<string, Record<string, string>>();
  for (const { definition, lifecycle } of graph.order) {
    if (lifecycle !== "managed") continue;
    for (const ns of definition.namespaces(graph.context)) {
      byName.set(ns.name, { ...(byName.get(ns.name) ?? {}), ...(ns.labels ?? {}) });
    }
  }
  return [...byName.entries()].sort(([a], [b]) => byText(a, b)).map(([name, labels]) => ({ name, labels }));
}

/** Every generated Secret of the managed components. */
export function collectSecrets(graph: ResolvedGraph): GeneratedSecret[] {
  return graph.order
    .filter((c) => c.lifecycle === "managed")
    .flatMap((c) => c.definition.secrets?.(graph.context) ?? [])
    .sort((a, b) => byText(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
}

export class PlatformStack extends TerraformStack {
  /** The planned steps in install order (for reports and tests). */
  readonly steps: readonly PlannedStep[];
  /** On a MultiKueue worker: the token of the ServiceAccount the manager uses (sensitive, a cross-stack output). */
  readonly multikueueToken?: string;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id);
    const { graph, cluster } = props;
    configureBackend(this, graph.context.profile, id);
    // Client certificates (kind), an exec credential plugin (clouds) or the user's kubeconfig file (an existing
    // cluster): nothing long-lived in state.
    const connection = {
      configPath: cluster.configPath,
      configContext: cluster.configContext,
      host: cluster.host,
      clusterCaCertificate: cluster.clusterCaCertificate,
      clientCertificate: cluster.clientCertificate,
      clientKey: cluster.clientKey,
      exec: cluster.exec && {
        apiVersion: cluster.exec.apiVersion,
        command: cluster.exec.command,
        args: [...cluster.exec.args],
      },
    };
    new KubernetesProvider(this, "kubernetes", { ...connection, exec: connection.exec && [connection.exec] });
    new HelmProvider(this, "helm", { kubernetes: connection });
    new RandomProvider(this, "random");
    pinProviders(this, ["kubernetes", "helm", "random"]);

    const namespaces = new Map<string, NamespaceV1>();
    for (const ns of collectNamespaces(graph)) {
      namespaces.set(
        ns.name,
        new NamespaceV1(this, `namespace-${ns.name}`, {
          metadata: {
            name: ns.name,
            labels: ns.labels && Object.keys(ns.labels).length > 0 ? { ...ns.labels } : undefined,
          },
        }),
      );
    }
    const namespace = (name: string): NamespaceV1 => {
      const found = namespaces.get(name);
      if (!found) throw new Error(`Namespace "${name}" is used but no managed component declares it`);
      return found;
    };

    const credentials = new Map<CredentialId, { username: string; password: string }>();
    const credential = (id: CredentialId) => {
      let found = credentials.get(id);
      if (!found) {
        // Letters and digits only: the values end up in URLs and S3 signatures.
        const username = new Password(this, `credential-${id}-username`, { length: 20, special: false, lower: false });
        const password = new Password(this, `credential-${id}-password`, { length: 40, special: false });
        found = { username: username.result, password: password.result };
        credentials.set(id, found);
      }
      return found;
    };
    const secrets: SecretV1[] = [];
    for (const secret of collectSecrets(graph)) {
      const data = Object.fromEntries(
        Object.entries(secret.data).map(([key, template]) => [
          key,
          template.replace(
            /\{(?:([a-z0-9-]+)\.)?(username|password)\}/g,
            (_match, id: string | undefined, field: "username" | "password") =>
              credential(id ?? secret.credential)[field],
          ),
        ]),
      );
      const resource = new SecretV1(this, `secret-${secret.namespace}-${secret.name}`, {
        metadata: {
          name: secret.name,
          namespace: secret.namespace,
          labels: secret.role === "server" ? { [CREDENTIAL_ROLE_LABEL]: "server" } : undefined,
        },
        data,
        type: secret.type,
        dependsOn: [namespace(secret.namespace)],
      });
      secrets.push(resource);
    }

    for (const extra of props.extraSecrets ?? []) {
      secrets.push(
        new SecretV1(this, `secret-${extra.namespace}-${extra.name}`, {
          metadata: { name: extra.name, namespace: extra.namespace },
          data: { ...extra.data },
          dependsOn: [namespace(extra.namespace)],
        }),
      );
    }
    const serviceAccounts = (props.identityServiceAccounts ?? []).map(
      (account) =>
        new ServiceAccountV1(this, `service-account-${account.namespace}-${account.name}`, {
          metadata: {
            name: account.name,
            namespace: account.namespace,
            annotations: Object.keys(account.annotations).length > 0 ? { ...account.annotations } : undefined,
          },
          automountServiceAccountToken: false,
          dependsOn: [namespace(account.namespace)],
        }),
    );
    if (props.multikueueWorker) {
      const profile = graph.context.profile;
      const teams = teamNames(profile).map((team) => teamNamespace(team, profile.teams[team]));
      this.multikueueToken = addMultiKueueWorkerAccess(
        this,
        namespace(MULTIKUEUE_NAMESPACE),
        teams.map((name) => ({ name, resource: namespace(name) })),
      );
    }

    // Namespaces and Secrets come first: a release may create objects in any platform namespace.
    const foundations: ITerraformDependable[] = [...namespaces.values(), ...secrets, ...serviceAccounts];
    this.steps = planSteps(graph);
    const releases = new Map<string, Release>();
    for (const planned of this.steps) {
      const { step } = planned;
      namespace(step.namespace); // fails early if the step's namespace is undeclared
      const dependsOn = [...foundations, ...planned.after.map((name) => releases.get(name) as Release)];
      releases.set(step.name, this.release(planned, graph, dependsOn));
    }
  }

  private release(planned: PlannedStep, graph: ResolvedGraph, dependsOn: ITerraformDependable[]): Release {
    const { step } = planned;
    const { profile } = graph.context;
    // What a failed install or upgrade leaves, and whether an uninstall waits: decided per step (platform/release-options.ts).
    const options = releaseOptions(step);
    const common = {
      name: step.name,
      namespace: step.namespace,
      wait: options.wait,
      waitForJobs: true,
      timeout: step.timeoutSeconds ?? 600,
      atomic: options.atomic,
      cleanupOnFail: options.cleanupOnFail,
      replace: options.replace,
      takeOwnership: options.takeOwnership || undefined,
      dependsOn,
    };
    switch (step.kind) {
      case "upstream": {
        const chart = CHARTS[step.chart];
        return new Release(this, `release-${step.name}`, {
          ...common,
          // An air-gapped profile's chart mirror replaces every chart's source (same chart name and version).
          repository: profile.mirror.charts ?? chart.repository,
          chart: chart.chart,
          version: chart.version,
          values: [
            terraformLiteral(stringify(releaseValues(step, planned.component, profile), { sortMapEntries: true })),
          ],
        });
      }
      case "local":
        return new Release(this, `release-${step.name}`, { ...common, chart: localChartAsset(this, step) });
      case "gate":
        return new Release(this, `release-${step.name}`, {
          ...common,
          chart: localChartAsset(this, gateChart(step, profile.mirror.images)),
        });
    }
  }
}

/**
 * Values are data, but Terraform reads `${…}` and `%{…}` in any string as its own template syntax (the collector's
 * `${env:MY_POD_IP}` would fail `tofu validate`). Doubling the sigil makes them literal; cdktf tokens are kept.
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{(?!TfToken\[)/g, "$1$1{");
}
