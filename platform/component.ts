/**
 * The component model. A component is one unit of the platform (an operator, a data service, our own
 * MLflow server): it declares its dependencies by id, its namespaces, the Helm releases that install
 * it (upstream charts pinned in `versions.ts`, or local charts rendered from our cdk8s charts), the
 * webhook gates its custom resources must wait for, and the generated credentials it consumes.
 *
 * Components are plain data plus functions of the profile: they never touch cdktf. The platform
 * stack turns them into Terraform resources, in an order computed from the declared dependencies.
 */
import type { Construct } from "constructs";
import type { z } from "zod";
import type { NamespacePeer } from "../charts/team-tenancy";
import type { Problem } from "../profiles/problems";
import type { Lifecycle, Profile } from "../profiles/schema";
import type { ChartKey } from "./versions";

/** A component's id: a DNS label, unique in the catalog; a profile sets it under `components.<id>`. */
export type ComponentId = string;

export interface Dependency {
  readonly id: ComponentId;
  /** An optional dependency is used when enabled (e.g. ServiceMonitors need observability) and skipped when disabled. */
  readonly optional?: boolean;
  /** Why the dependency exists; shown in errors and in the README's graph. */
  readonly reason: string;
}

export interface NamespaceSpec {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface StepBase {
  /** Helm release name, unique in the stack. */
  readonly name: string;
  readonly namespace: string;
  /** Other steps of the same component that must be installed first. */
  readonly after?: readonly string[];
  /** Helm's wait timeout for this release. @default 600 */
  readonly timeoutSeconds?: number;
  /**
   * What a failed install leaves, so that a plain re-apply recovers (the helm provider keeps a release
   * whose first install failed out of state, and Helm then refuses the name). The provider has one
   * setting for installs and upgrades, so this also decides what a failed upgrade does.
   * Resolved in platform/release-options.ts; the README's Troubleshooting section has the table.
   *  - `"uninstall"`: `atomic` and `cleanup_on_fail`. A failed first install is uninstalled; a failed
   *    upgrade deletes what it created and rolls back to the last deployed revision. For releases whose
   *    objects all come from the chart and the profile (operators, CRDs, configuration, Jobs).
   *  - `"keep"`: `replace`, never `atomic` or `cleanup_on_fail`. A failed install stays, objects and
   *    volumes included, and the next apply installs over it; a failed upgrade is neither rolled back
   *    nor cleaned up. For releases that hold data (PersistentVolumeClaims, databases): an uninstall
   *    deletes the volume claims the release templates, and a rollback runs the previous version over
   *    data the new one may already have changed.
   * @default "uninstall" for gates; "keep" for upstream and local releases (nothing is deleted unless a
   * component says its release holds no data)
   */
  readonly onFailedInstall?: OnFailedInstall;
  /**
   * Wait on uninstall until every object of the release is gone. `false` sets the release's `wait` to
   * false, which then matters only to uninstalls: `atomic` (onFailedInstall `"uninstall"`, required)
   * makes Helm wait on every install and upgrade anyway. For a chart whose objects can be re-created
   * while Helm deletes them (Kueue's aggregated ClusterRoles), where the wait can only time out.
   * @default true
   */
  readonly waitOnUninstall?: boolean;
  /**
   * Adopt objects of the release that exist without Helm's ownership annotations (the helm provider's
   * `take_ownership`) instead of failing the install. For objects that something else re-creates after
   * an uninstall (Kueue's aggregated ClusterRoles).
   * @default false
   */
  readonly adoptExisting?: boolean;
}

/** See StepBase.onFailedInstall. */
export type OnFailedInstall = "uninstall" | "keep";

/** An upstream chart, pinned in the version table. */
export interface UpstreamRelease extends StepBase {
  readonly kind: "upstream";
  readonly chart: ChartKey;
  /** The release's typed defaults. For the primary release, the profile's `components.<id>.values` merge over these. */
  readonly values: Readonly<Record<string, unknown>>;
  /** Receives the profile's `components.<id>.values`. Exactly one release per component is primary. */
  readonly primary?: boolean;
}

/** Objects the distribution owns, rendered by one of our cdk8s charts and installed as a local Helm chart. */
export interface LocalRelease extends StepBase {
  readonly kind: "local";
  /** Adds the chart(s) to the given cdk8s app. */
  readonly render: (app: Construct, id: string) => void;
}

/**
 * Waits until an operator's admission webhook answers, by creating a sample object with
 * `kubectl create --dry-run=server` until it succeeds. A Deployment reported ready is not enough:
 * the webhook's Service endpoints and CA bundle can lag behind it.
 */
export interface WebhookGate extends StepBase {
  readonly kind: "gate";
  /** The sample object sent to the API server (never persisted). */
  readonly probe: Readonly<Record<string, unknown>> & {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string };
  };
  /** The probe's resource (plural) for the gate's RBAC, e.g. `resourceflavors`. */
  readonly resource: string;
}

export type Step = UpstreamRelease | LocalRelease | WebhookGate;

/** Custom resources of one API group that team members manage (charts/team-tenancy.ts `teamKinds`). */
export interface TeamKind {
  readonly apiGroup: string;
  /** Plural resource names, e.g. `trainjobs`. */
  readonly resources: readonly string[];
}

/**
 * A credential the platform stack generates (a random username and password, kept only in Terraform state
 * and Secrets), by id: one per holder, e.g. `object-store-mlflow` or `object-store-team-research`.
 */
export type CredentialId = string;

/** The label that marks a Secret as a service's own configuration, which holds its clients' credentials. */
export const CREDENTIAL_ROLE_LABEL = "cnai.io/credential-role";

/**
 * A Secret filled from generated credentials. Values are templates over `{username}` and `{password}` of
 * `credential`, and `{<id>.username}` / `{<id>.password}` of any other credential (a service's config that
 * lists its clients' keys).
 */
export interface GeneratedSecret {
  readonly name: string;
  readonly namespace: string;
  readonly credential: CredentialId;
  readonly data: Readonly<Record<string, string>>;
  /**
   * `client`: what one holder uses to authenticate; `server`: the service's own configuration in its own
   * namespace, which necessarily lists its clients' credentials. Server Secrets carry CREDENTIAL_ROLE_LABEL.
   * @default "client"
   */
  readonly role?: "client" | "server";
  /** The Secret's type, e.g. `kubernetes.io/basic-auth`. @default "Opaque" */
  readonly type?: string;
}

export interface ComponentContext {
  readonly profile: Profile;
  /** Every component of the catalog the profile is built from. */
  readonly catalog: readonly ComponentDefinition[];
  /** The profile's lifecycle for a component, or the component's default when the profile does not name it. */
  lifecycle(id: ComponentId): Lifecycle;
  /** Managed or external: something the component can use. */
  isAvailable(id: ComponentId): boolean;
  /** The component's typed settings (`components.<id>.settings`), parsed by its `settings` schema with its defaults. */
  settings<T>(id: ComponentId): T;
}

/** Where a component runs when the profile has MultiKueue worker clusters. */
export type Placement = "every-cluster" | "management-only";

export interface ComponentDefinition {
  readonly id: ComponentId;
  readonly title: string;
  /** What it is for, one line, for the README. */
  readonly summary: string;
  /** The lifecycle a profile gets when it does not name this component under `components`. */
  readonly defaultLifecycle: Lifecycle;
  /**
   * The namespaces this component owns, whatever the profile: no team may take one, and every namespace its
   * `namespaces` and `steps` use is one of these or a team namespace (a test checks each shipped profile).
   */
  readonly reservedNamespaces: readonly string[];
  /**
   * With MultiKueue worker clusters: `every-cluster` runs it on the workers too (Kueue, KubeRay, the GPU
   * stack, tenancy); `management-only` is a shared service of the management cluster (disabled on workers).
   */
  readonly placement: Placement;
  /**
   * Typed settings a profile gives under `components.<id>.settings`, checked when the profile is loaded
   * (problems under that path) and read with `ctx.settings(id)`.
   * @default none: any `settings` given is a profile error
   */
  readonly settings?: z.ZodType;
  dependencies(profile: Profile): readonly Dependency[];
  /** Namespaces this component installs into (created before any release). */
  namespaces(ctx: ComponentContext): readonly NamespaceSpec[];
  /** The releases and gates that install it. Called only when the component is managed. */
  steps(ctx: ComponentContext): readonly Step[];
  /** Secrets it needs filled with generated credentials. Called when the component is managed. */
  secrets?(ctx: ComponentContext): readonly GeneratedSecret[];
  /**
   * The services in its namespaces that team workloads may call: each becomes a NetworkPolicy egress allow in
   * every team namespace, on exactly these ports. Called when the component is managed.
   */
  teamEgress?(ctx: ComponentContext): readonly NamespacePeer[];
  /**
   * Its pods that must reach into team namespaces (an operator polling the pods it made), on exactly these
   * ports. Called when the component is managed or external.
   */
  teamIngress?(ctx: ComponentContext): readonly NamespacePeer[];
  /**
   * The custom resources team members create in their namespaces (the kinds its operator runs): each is added to the
   * `team-member` Role with full rights. Called when the component is managed or external.
   */
  teamKinds?(ctx: ComponentContext): readonly TeamKind[];
  /**
   * Aggregated APIServices it registers (e.g. `v1beta1.external.metrics.k8s.io`), whether managed or external: a
   * cluster serves one APIService of a name, so two available components claiming one is a profile error.
   * @default none
   */
  apiServices?(ctx: ComponentContext): readonly string[];
  /** Cross-field rules of this component over the whole profile, whatever its lifecycle; problems, never throws. */
  problems?(ctx: ComponentContext): readonly Problem[];
}

/** A component's lifecycle in a profile: what the profile says, or the component's default when it says nothing. */
export function lifecycleIn(
  profile: Profile,
  component: Pick<ComponentDefinition, "id" | "defaultLifecycle">,
): Lifecycle {
  return profile.components[component.id]?.lifecycle ?? component.defaultLifecycle;
}
