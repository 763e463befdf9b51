import { evaluate } from "@marcbachmann/cel-js";
import { Testing } from "cdk8s";
import type { GuardrailsProps } from "../../charts/guardrails";
import { Guardrails, imageRule } from "../../charts/guardrails";
import { loadCheckedProfile } from "../../platform/check";
import { samples } from "../../platform/components/samples";
import { contextFor } from "../../platform/graph";
import type { LocalRelease } from "../../platform/component";
import { findKubernetesValidate, validateCoreObjects } from "../../verify/upstream";
import type { Manifest } from "../support/render";
import { renderLocal } from "../support/render";

const PROPS: GuardrailsProps = {
  namespaces: [
    { namespace: "team-a", localQueue: "default" },
    { namespace: "team-b", localQueue: "default", allowLoadBalancers: true },
  ],
  allowedRegistries: ["docker.io", "ghcr.io", "registry.example.com:5000"],
  queueLabel: "kueue.x-k8s.io/queue-name",
};

function render(props: GuardrailsProps = PROPS): Manifest[] {
  return Testing.synth(new Guardrails(Testing.app(), "guardrails", props));
}

/**
 * What the API server would answer for an object under a policy: the message of the first validation
 * whose CEL expression is false, or "admitted". The expressions run in a real CEL evaluator.
 */
function admit(policyName: string, object: Manifest, props: GuardrailsProps = PROPS): string {
  const policy = render(props).find((m) => m.kind === "ValidatingAdmissionPolicy" && m.metadata.name === policyName);
  if (policy === undefined) throw new Error(`no policy ${policyName}`);
  for (const validation of policy.spec.validations as Array<{ expression: string; message: string }>) {
    if (evaluate(validation.expression, { object }) !== true) return validation.message;
  }
  return "admitted";
}

const job = (labels?: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "train", namespace: "team-a", ...(labels ? { labels } : {}), ...extra },
  spec: {},
});
const pod = (...images: string[]) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "team-a" },
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
});
const service = (type?: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "s", namespace: "team-a" },
  spec: type ? { type } : {},
});

describe("Guardrails chart", () => {
  test("renders four policies, each bound to the team namespaces it applies to", () => {
    expect(render().map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      "ValidatingAdmissionPolicy/cnai-queue-label",
      "ValidatingAdmissionPolicyBinding/cnai-queue-label",
      "ValidatingAdmissionPolicy/cnai-images",
      "ValidatingAdmissionPolicyBinding/cnai-images",
      "ValidatingAdmissionPolicy/cnai-no-loadbalancer",
      "ValidatingAdmissionPolicyBinding/cnai-no-loadbalancer",
      "ValidatingAdmissionPolicy/cnai-no-nodeport",
      "ValidatingAdmissionPolicyBinding/cnai-no-nodeport",
    ]);
    const bound = (name: string) =>
      render().find((m) => m.kind === "ValidatingAdmissionPolicyBinding" && m.metadata.name === name)?.spec;
    expect(bound("cnai-queue-label")).toEqual({
      policyName: "cnai-queue-label",
      validationActions: ["Deny"],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["team-a", "team-b"] }],
        },
      },
    });
    expect(bound("cnai-no-loadbalancer").matchResources.namespaceSelector.matchExpressions[0].values).toEqual([
      "team-a",
    ]);
  });

  test("every rendered object validates strictly against the Kubernetes schema", () => {
    const tool = findKubernetesValidate();
    expect(tool).toMatch(/kubernetes-validate$/);
    const objects = render().map((object) => ({ source: "guardrails", object }));
    expect(validateCoreObjects(objects, tool as string)).toEqual([]);
  });

  test("a Job without its team's queue label is refused with the reason; with it, or owned by a controller, it is admitted", () => {
    expect(admit("cnai-queue-label", job())).toBe(
      "workloads in a team namespace must carry the label kueue.x-k8s.io/queue-name: default (the team's LocalQueue), so Kueue admits them against the team's quota instead of letting them bypass it",
    );
    expect(admit("cnai-queue-label", job({ "kueue.x-k8s.io/queue-name": "other" }))).toMatch(/must carry the label/);
    expect(admit("cnai-queue-label", job({ "kueue.x-k8s.io/queue-name": "default" }))).toBe("admitted");
    const owned = {
      ownerReferences: [{ apiVersion: "ray.io/v1", kind: "RayJob", name: "r", uid: "u", controller: true }],
    };
    expect(admit("cnai-queue-label", job(undefined, owned))).toBe("admitted");
  });

  test("images must come from an allowed registry with a tag or digest that is not latest", () => {
    expect(admit("cnai-images", pod("rayproject/ray:2.52.0", "ghcr.io/mlflow/mlflow:v3.17.0-full"))).toBe("admitted");
    expect(admit("cnai-images", pod("registry.example.com:5000/team/model@sha256:0123abcd"))).toBe("admitted");
    expect(admit("cnai-images", pod("docker.io/library/python:3.12-slim"))).toBe("admitted");
    const refused =
      /^every image in containers must come from an allowed registry \(docker\.io, ghcr\.io, registry\.example\.com:5000\) and name a tag or digest other than latest/;
    expect(admit("cnai-images", pod("quay.io/org/app:1.0"))).toMatch(refused);
    expect(admit("cnai-images", pod("rayproject/ray:latest"))).toMatch(refused);
    expect(admit("cnai-images", pod("rayproject/ray"))).toMatch(refused);
    expect(admit("cnai-images", pod("localhost/app:1.0"))).toMatch(refused);
    expect(admit("cnai-images", pod("ghcr.io.evil.example/app:1.0"))).toMatch(refused);
  });

  test("init containers are checked too", () => {
    const withInit = {
      ...pod("ghcr.io/a/b:1"),
      spec: { containers: [{ name: "c", image: "ghcr.io/a/b:1" }], initContainers: [{ name: "i", image: "busybox" }] },
    };
    expect(admit("cnai-images", withInit)).toMatch(/^every image in initContainers must come from an allowed registry/);
  });

  test("without docker.io in the list, images without a registry host are refused", () => {
    const mirrorOnly = { ...PROPS, allowedRegistries: ["registry.example.com"] };
    expect(admit("cnai-images", pod("rayproject/ray:2.52.0"), mirrorOnly)).toMatch(
      /allowed registry \(registry\.example\.com\)/,
    );
    expect(admit("cnai-images", pod("registry.example.com/ray:2.52.0"), mirrorOnly)).toBe("admitted");
    expect(imageRule(["registry.example.com"])).toBe(
      '(image.matches("^(registry\\\\.example\\\\.com)/")) && image.matches("[:@][^/]*$") && !image.matches(":latest(@.*)?$")',
    );
  });

  test("LoadBalancer and NodePort Services are refused with the reason, ClusterIP Services admitted", () => {
    expect(admit("cnai-no-loadbalancer", service("LoadBalancer"))).toMatch(
      /^LoadBalancer Services expose a team's pods outside the cluster; the profile does not allow it for this team \(teams\.<team>\.exposedServices\.loadBalancers\)$/,
    );
    expect(admit("cnai-no-nodeport", service("NodePort"))).toMatch(/^NodePort Services open a port on every node/);
    expect(admit("cnai-no-loadbalancer", service())).toBe("admitted");
    expect(admit("cnai-no-nodeport", service("ClusterIP"))).toBe("admitted");
  });

  test("a registry given with a scheme or path is refused with the fix", () => {
    expect(() => render({ ...PROPS, allowedRegistries: ["https://ghcr.io"] })).toThrow(
      /allowedRegistries has "https:\/\/ghcr\.io"; give a host \(and port\) only, e\.g\. ghcr\.io/,
    );
    expect(() => render({ ...PROPS, allowedRegistries: [] })).toThrow(
      /allowedRegistries is empty, so no pod could start/,
    );
  });

  test("the golden-path samples pass every guardrail of their profile", () => {
    const profile = loadCheckedProfile("cluster-gpu");
    const objects = renderLocal(samples.steps(contextFor(profile))[0] as LocalRelease, "samples");
    const props: GuardrailsProps = {
      namespaces: [{ namespace: "team-research", localQueue: "default" }],
      allowedRegistries: profile.security.allowedRegistries,
      queueLabel: "kueue.x-k8s.io/queue-name",
    };
    const workloads = objects.filter((o) => ["Job", "RayJob", "RayCluster", "InferenceService"].includes(o.kind));
    expect(workloads.length).toBeGreaterThanOrEqual(4);
    expect(workloads.map((o) => `${o.kind}/${o.metadata.name}: ${admit("cnai-queue-label", o, props)}`)).toEqual(
      workloads.map((o) => `${o.kind}/${o.metadata.name}: admitted`),
    );
    const podSpecs = objects.flatMap((o) => podSpecsOf(o));
    expect(podSpecs.length).toBeGreaterThanOrEqual(4);
    expect(podSpecs.map((spec) => admit("cnai-images", { kind: "Pod", metadata: {}, spec }, props))).toEqual(
      podSpecs.map(() => "admitted"),
    );
  });
});

/** Every pod template in a workload (Job, RayJob, RayCluster head and workers, InferenceService predictor). */
function podSpecsOf(object: Manifest): Manifest[] {
  const found: Manifest[] = [];
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.containers)) found.push(record);
    for (const child of Object.values(record)) walk(child);
  };
  walk(object.spec);
  return found;
}
