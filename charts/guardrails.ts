/**
 * Guardrails in the team namespaces, as ValidatingAdmissionPolicies: CEL evaluated by the API server itself
 * (GA in Kubernetes 1.30, https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/),
 * so no extra controller or webhook has to be running for them to hold. Each policy is bound to the team
 * namespaces by name and denies with a message that says why:
 *  - `cnai-queue-label`: every Job, RayJob, RayCluster and InferenceService a team creates names the team's
 *    LocalQueue, so nothing bypasses Kueue's quota. Objects a controller creates for its owner (a RayJob's
 *    RayCluster, its submitter Job) carry a controller ownerReference and are admitted through the owner.
 *  - `cnai-images`: every container of a pod comes from an allowed registry and names a tag or a digest that
 *    is not `latest`, so what runs is reproducible and from a source the platform trusts.
 *  - `cnai-no-loadbalancer`, `cnai-no-nodeport`: Services stay inside the cluster unless the team is allowed
 *    to expose them (its ResourceQuota then caps how many).
 */
import { ApiObject, Chart } from "cdk8s";
import type { Construct } from "constructs";
import { DNS_LABEL_FIX, isDnsLabel, isRegistryHost, REGISTRY_HOST_FIX } from "../profiles/names";

export const VAP_API_VERSION = "admissionregistration.k8s.io/v1";

export interface GuardedNamespace {
  /** The team namespace. */
  readonly namespace: string;
  /** The LocalQueue every workload in it must name. */
  readonly localQueue: string;
  /** The team may create LoadBalancer Services. @default false */
  readonly allowLoadBalancers?: boolean;
  /** The team may create NodePort Services. @default false */
  readonly allowNodePorts?: boolean;
}

export interface GuardrailsProps {
  /** The team namespaces the policies apply to. */
  readonly namespaces: readonly GuardedNamespace[];
  /** Registry hosts pods may pull from (`ghcr.io`, `registry.example.com:5000`); `docker.io` also admits images without a host. */
  readonly allowedRegistries: readonly string[];
  /** The label that names a workload's LocalQueue. */
  readonly queueLabel: string;
}

/** `docker.io` images may be written without a host (`rayproject/ray:2.52.0`, `busybox:1.36`). */
const IMPLICIT_DOCKER_HUB = "^[^./:]+(/|:|@|$)";

/** A CEL string literal (double-quoted, backslashes and quotes escaped). */
function celString(text: string): string {
  return JSON.stringify(text);
}

/** The CEL condition that an image (the CEL expression `image`) is from an allowed registry, tagged, and not `latest`. */
export function imageRule(allowedRegistries: readonly string[], image = "image"): string {
  const hosts = allowedRegistries.map((host) => host.replace(/[.]/g, "\\.")).join("|");
  const fromRegistry = [
    `${image}.matches(${celString(`^(${hosts})/`)})`,
    ...(allowedRegistries.includes("docker.io")
      ? [`(${image}.matches(${celString(IMPLICIT_DOCKER_HUB)}) && !${image}.startsWith("localhost/"))`]
      : []),
  ].join(" || ");
  // A tag or digest after the last '/', and that tag is not `latest` (an untagged image means latest).
  const pinned = `${image}.matches("[:@][^/]*$") && !${image}.matches(":latest(@.*)?$")`;
  return `(${fromRegistry}) && ${pinned}`;
}

export class Guardrails extends Chart {
  constructor(scope: Construct, id: string, props: GuardrailsProps) {
    super(scope, id);
    for (const guarded of props.namespaces) {
      if (!isDnsLabel(guarded.namespace)) {
        throw new Error(`Guardrails: namespace "${guarded.namespace}" is not a DNS-1123 label; ${DNS_LABEL_FIX}.`);
      }
    }
    if (props.allowedRegistries.length === 0) {
      throw new Error(
        "Guardrails: allowedRegistries is empty, so no pod could start; list at least one registry host.",
      );
    }
    const badRegistry = props.allowedRegistries.find((host) => !isRegistryHost(host));
    if (badRegistry !== undefined) {
      throw new Error(`Guardrails: allowedRegistries has "${badRegistry}"; ${REGISTRY_HOST_FIX}.`);
    }
    if (props.namespaces.length === 0) return;

    const queues = [...new Set(props.namespaces.map((n) => n.localQueue))];
    const label = celString(props.queueLabel);
    this.policy(
      "cnai-queue-label",
      [
        { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"] },
        { apiGroups: ["ray.io"], apiVersions: ["v1"], resources: ["rayjobs", "rayclusters"] },
        { apiGroups: ["serving.kserve.io"], apiVersions: ["v1beta1"], resources: ["inferenceservices"] },
      ],
      [
        {
          expression:
            `(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, has(r.controller) && r.controller)) || ` +
            `(has(object.metadata.labels) && ${label} in object.metadata.labels && ` +
            `object.metadata.labels[${label}] in [${queues.map(celString).join(", ")}])`,
          message:
            `workloads in a team namespace must carry the label ${props.queueLabel}: ${queues.join(" or ")} ` +
            `(the team's LocalQueue), so Kueue admits them against the team's quota instead of letting them bypass it`,
        },
      ],
      props.namespaces.map((n) => n.namespace),
    );
    this.policy(
      "cnai-images",
      [{ apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
      ["containers", "initContainers", "ephemeralContainers"].map((field) => ({
        expression: `!has(object.spec.${field}) || object.spec.${field}.all(c, ${imageRule(props.allowedRegistries, "c.image")})`,
        message:
          `every image in ${field} must come from an allowed registry (${props.allowedRegistries.join(", ")}) ` +
          `and name a tag or digest other than latest, so what runs is reproducible and from a trusted source`,
      })),
      props.namespaces.map((n) => n.namespace),
      ["CREATE"],
    );
    const exposures = [
      {
        name: "cnai-no-loadbalancer",
        type: "LoadBalancer",
        why: "LoadBalancer Services expose a team's pods outside the cluster",
        setting: "loadBalancers",
        allowed: (n: GuardedNamespace) => n.allowLoadBalancers === true,
      },
      {
        name: "cnai-no-nodeport",
        type: "NodePort",
        why: "NodePort Services open a port on every node",
        setting: "nodePorts",
        allowed: (n: GuardedNamespace) => n.allowNodePorts === true,
      },
    ];
    for (const exposure of exposures) {
      this.policy(
        exposure.name,
        [{ apiGroups: [""], apiVersions: ["v1"], resources: ["services"] }],
        [
          {
            expression: `!has(object.spec.type) || object.spec.type != ${celString(exposure.type)}`,
            message: `${exposure.why}; the profile does not allow it for this team (teams.<team>.exposedServices.${exposure.setting})`,
          },
        ],
        props.namespaces.filter((n) => !exposure.allowed(n)).map((n) => n.namespace),
      );
    }
  }

  private policy(
    name: string,
    resourceRules: ReadonlyArray<{ apiGroups: string[]; apiVersions: string[]; resources: string[] }>,
    validations: ReadonlyArray<{ expression: string; message: string }>,
    namespaces: readonly string[],
    operations: readonly string[] = ["CREATE", "UPDATE"],
  ): void {
    if (namespaces.length === 0) return;
    new ApiObject(this, name, {
      apiVersion: VAP_API_VERSION,
      kind: "ValidatingAdmissionPolicy",
      metadata: { name },
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: resourceRules.map((rule) => ({ ...rule, operations: [...operations] })),
        },
        validations: validations.map((v) => ({ ...v, reason: "Forbidden" })),
      },
    });
    new ApiObject(this, `${name}-binding`, {
      apiVersion: VAP_API_VERSION,
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ["Deny"],
        matchResources: {
          namespaceSelector: {
            matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: [...namespaces].sort() }],
          },
        },
      },
    });
  }
}
