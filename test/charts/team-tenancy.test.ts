import { Testing } from "cdk8s";
import type { TeamTenancyProps } from "../../charts/team-tenancy";
import { TeamTenancy, teamNamespaceLabels } from "../../charts/team-tenancy";
import type { RenderedObject } from "../../verify/upstream";
import { findKubernetesValidate, validateCoreObjects } from "../../verify/upstream";

const NS = "team-default";

const BASE: TeamTenancyProps = {
  namespace: NS,
  quota: { cpu: "4", memory: "8Gi", extended: {} },
  containerDefaults: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
};

const FULL: TeamTenancyProps = {
  ...BASE,
  quota: { cpu: "8", memory: "16Gi", extended: { "nvidia.com/gpu": 2, "nvidia.com/mig-1g.10gb": 4 } },
  maxPods: 40,
  exposedServices: { loadBalancers: 1, nodePorts: 0 },
  egressTo: [
    { name: "mlflow", namespace: "mlflow", ports: [5000] },
    { name: "vector-db", namespace: "vector-db", ports: [6333, 6334] },
    { name: "object-store", namespace: "object-store", ports: [8333] },
  ],
  ingressFrom: [{ name: "kuberay-operator", namespace: "ray-system", ports: [8265] }],
  monitoringNamespace: "monitoring",
  allowApiServerEgress: true,
  groups: ["data-scientists"],
  users: ["alice@example.com"],
  serviceAccount: "ml-workload",
};

type Manifest = RenderedObject["object"] & { metadata: { name: string; namespace?: string } };

function render(props: TeamTenancyProps = BASE): Manifest[] {
  return Testing.synth(new TeamTenancy(Testing.app(), "team-tenancy", props)) as Manifest[];
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind}/${name} rendered`);
  return found;
}

const nsPeer = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const netpol = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace: NS },
  spec,
});

describe("TeamTenancy chart", () => {
  test("the namespace labels enforce restricted at the given cluster minor and audit and warn at latest", () => {
    expect(teamNamespaceLabels("v1.34")).toEqual({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.34",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "latest",
    });
  });

  test("a cluster version that is not a minor such as v1.35 is refused with the fix", () => {
    expect(() => teamNamespaceLabels("1.35")).toThrow(
      /kubernetesMinor "1.35" is not a Kubernetes minor version; use the form v1.35/,
    );
  });

  test("with defaults it renders the quota, limit range, base policies, role and service account but no binding", () => {
    expect(render().map((m) => `${m.kind}/${m.metadata.name}@${m.metadata.namespace}`)).toEqual([
      `ResourceQuota/team-quota@${NS}`,
      `LimitRange/container-defaults@${NS}`,
      `NetworkPolicy/default-deny-all@${NS}`,
      `NetworkPolicy/allow-same-namespace@${NS}`,
      `NetworkPolicy/allow-dns-egress@${NS}`,
      `Role/team-member@${NS}`,
      `ServiceAccount/workload@${NS}`,
    ]);
  });

  test("with every option it renders one policy per peer and purpose and a binding", () => {
    expect(render(FULL).map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      "ResourceQuota/team-quota",
      "LimitRange/container-defaults",
      "NetworkPolicy/default-deny-all",
      "NetworkPolicy/allow-same-namespace",
      "NetworkPolicy/allow-dns-egress",
      "NetworkPolicy/allow-egress-to-mlflow",
      "NetworkPolicy/allow-egress-to-vector-db",
      "NetworkPolicy/allow-egress-to-object-store",
      "NetworkPolicy/allow-ingress-from-kuberay-operator",
      "NetworkPolicy/allow-monitoring-ingress",
      "NetworkPolicy/allow-api-server-egress",
      "Role/team-member",
      "RoleBinding/team-member",
      "ServiceAccount/ml-workload",
    ]);
  });

  test("the quota caps requests only, with a default pod count", () => {
    expect(find(render(), "ResourceQuota", "team-quota")).toEqual({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "team-quota", namespace: NS },
      spec: {
        hard: {
          "requests.cpu": "4",
          "requests.memory": "8Gi",
          pods: "100",
          "services.loadbalancers": "0",
          "services.nodeports": "0",
        },
      },
    });
  });

  test("the quota writes extended resources with the requests. prefix", () => {
    expect(find(render(FULL), "ResourceQuota", "team-quota").spec).toEqual({
      hard: {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        "requests.nvidia.com/gpu": "2",
        "requests.nvidia.com/mig-1g.10gb": "4",
        pods: "40",
        "services.loadbalancers": "1",
        "services.nodeports": "0",
      },
    });
  });

  test("the limit range gives containers default requests and limits", () => {
    expect(find(render(), "LimitRange", "container-defaults")).toEqual({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "container-defaults", namespace: NS },
      spec: {
        limits: [
          {
            type: "Container",
            defaultRequest: { cpu: "100m", memory: "256Mi" },
            default: { cpu: "1", memory: "1Gi" },
          },
        ],
      },
    });
  });

  test("the base policies deny everything, then allow the namespace itself and DNS", () => {
    const manifests = render();
    expect(find(manifests, "NetworkPolicy", "default-deny-all")).toEqual(
      netpol("default-deny-all", { podSelector: {}, policyTypes: ["Ingress", "Egress"] }),
    );
    expect(find(manifests, "NetworkPolicy", "allow-same-namespace")).toEqual(
      netpol("allow-same-namespace", {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      }),
    );
    expect(find(manifests, "NetworkPolicy", "allow-dns-egress")).toEqual(
      netpol("allow-dns-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [{ ...nsPeer("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
              { protocol: "UDP", port: 53 },
              { protocol: "TCP", port: 53 },
            ],
          },
        ],
      }),
    );
  });

  test("egress peers, ingress peers, monitoring and the API server each get their own policy", () => {
    const manifests = render(FULL);
    expect(find(manifests, "NetworkPolicy", "allow-egress-to-vector-db")).toEqual(
      netpol("allow-egress-to-vector-db", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [nsPeer("vector-db")],
            ports: [
              { protocol: "TCP", port: 6333 },
              { protocol: "TCP", port: 6334 },
            ],
          },
        ],
      }),
    );
    expect(find(manifests, "NetworkPolicy", "allow-egress-to-mlflow").spec).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: [nsPeer("mlflow")], ports: [{ protocol: "TCP", port: 5000 }] }],
    });
    expect(find(manifests, "NetworkPolicy", "allow-ingress-from-kuberay-operator")).toEqual(
      netpol("allow-ingress-from-kuberay-operator", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [nsPeer("ray-system")], ports: [{ protocol: "TCP", port: 8265 }] }],
      }),
    );
    expect(find(manifests, "NetworkPolicy", "allow-monitoring-ingress")).toEqual(
      netpol("allow-monitoring-ingress", {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [nsPeer("monitoring")] }],
      }),
    );
    expect(find(manifests, "NetworkPolicy", "allow-api-server-egress")).toEqual(
      netpol("allow-api-server-egress", {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      }),
    );
  });

  test("the team-member role manages workloads and reads Kueue's objects without creating bare pods", () => {
    expect(find(render(), "Role", "team-member")).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "team-member", namespace: NS },
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
        { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods/exec", "pods/portforward"], verbs: ["get", "create"] },
        {
          apiGroups: [""],
          resources: ["configmaps", "secrets", "services", "persistentvolumeclaims"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        { apiGroups: [""], resources: ["events", "resourcequotas", "limitranges"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["get", "list", "watch"] },
        {
          apiGroups: ["batch"],
          resources: ["jobs"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        {
          apiGroups: ["ray.io"],
          resources: ["rayjobs", "rayclusters"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        {
          apiGroups: ["serving.kserve.io"],
          resources: ["inferenceservices"],
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
        { apiGroups: ["kueue.x-k8s.io"], resources: ["workloads", "localqueues"], verbs: ["get", "list", "watch"] },
      ],
    });
  });

  test("with Argo Workflows, members manage workflows and read what a run makes; the rest of the role is unchanged", () => {
    const without = find(render(), "Role", "team-member") as unknown as { rules: unknown[] };
    const withWorkflows = find(render({ ...BASE, workflows: true }), "Role", "team-member") as unknown as {
      rules: unknown[];
    };
    expect(withWorkflows.rules).toEqual([
      ...without.rules,
      {
        apiGroups: ["argoproj.io"],
        resources: ["workflows", "workflowtemplates", "cronworkflows"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
      { apiGroups: ["argoproj.io"], resources: ["workflowtaskresults"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["trainer.kubeflow.org"], resources: ["trainjobs"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["jobset.x-k8s.io"], resources: ["jobsets"], verbs: ["get", "list", "watch"] },
    ]);
  });

  test("members manage the custom resources of the operators given as teamKinds, with full rights", () => {
    const without = find(render(), "Role", "team-member") as unknown as { rules: unknown[] };
    const withKinds = find(
      render({ ...BASE, teamKinds: [{ apiGroup: "trainer.kubeflow.org", resources: ["trainjobs"] }] }),
      "Role",
      "team-member",
    ) as unknown as { rules: unknown[] };
    expect(withKinds.rules).toEqual([
      ...without.rules,
      {
        apiGroups: ["trainer.kubeflow.org"],
        resources: ["trainjobs"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
    ]);
  });

  test("with Argo Workflows, only workflow pods may reach the API server, where the executor reports each step", () => {
    const manifests = render({ ...BASE, workflows: true });
    expect(find(manifests, "NetworkPolicy", "allow-workflow-api-server-egress")).toEqual(
      netpol("allow-workflow-api-server-egress", {
        podSelector: { matchExpressions: [{ key: "workflows.argoproj.io/workflow", operator: "Exists" }] },
        policyTypes: ["Egress"],
        egress: [
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      }),
    );
    // Every pod's API server egress already covers the workflow pods: no second policy.
    const names = render({ ...FULL, workflows: true }).map((m) => m.metadata.name);
    expect(names).toContain("allow-api-server-egress");
    expect(names).not.toContain("allow-workflow-api-server-egress");
    expect(render().map((m) => m.metadata.name)).not.toContain("allow-workflow-api-server-egress");
  });

  test("the role binding binds groups and users to team-member", () => {
    expect(find(render(FULL), "RoleBinding", "team-member")).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "team-member", namespace: NS },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "team-member" },
      subjects: [
        { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "data-scientists" },
        { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "alice@example.com" },
      ],
    });
  });

  test("a binding with only users is rendered, and none with empty groups and users", () => {
    expect(find(render({ ...BASE, users: ["bob"] }), "RoleBinding", "team-member").subjects).toEqual([
      { kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" },
    ]);
    expect(render({ ...BASE, groups: [], users: [] }).filter((m) => m.kind === "RoleBinding")).toEqual([]);
  });

  test("the workload service account does not mount an API token", () => {
    expect(find(render(), "ServiceAccount", "workload")).toEqual({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "workload", namespace: NS },
      automountServiceAccountToken: false,
    });
  });

  test("invalid peers, extended resources and pod counts are rejected", () => {
    const peer = { name: "mlflow", namespace: "mlflow", ports: [5000] };
    expect(() => render({ ...BASE, egressTo: [peer, peer] })).toThrow(
      /egressTo: "mlflow" appears twice; list each namespace once/,
    );
    expect(() => render({ ...BASE, egressTo: [{ ...peer, name: "MLflow" }] })).toThrow(/not a DNS-1123 label/);
    expect(() => render({ ...BASE, ingressFrom: [{ ...peer, ports: [] }] })).toThrow(
      /ingressFrom: "mlflow" has no ports; list the TCP ports/,
    );
    expect(() => render({ ...BASE, egressTo: [{ ...peer, ports: [70000] }] })).toThrow(
      /invalid port 70000; use a whole number from 1 to 65535/,
    );
    expect(() => render({ ...BASE, quota: { ...BASE.quota, extended: { gpu: 1 } } })).toThrow(
      /"gpu" is not a bare extended resource name/,
    );
    expect(() => render({ ...BASE, quota: { ...BASE.quota, extended: { "requests.nvidia.com/gpu": 1 } } })).toThrow(
      /not a bare extended resource name/,
    );
    expect(() => render({ ...BASE, quota: { ...BASE.quota, extended: { "nvidia.com/gpu": 0.5 } } })).toThrow(
      /must be a whole, non-negative number, got 0.5/,
    );
    expect(() => render({ ...BASE, maxPods: 0 })).toThrow(
      /maxPods must be a positive integer, got 0; give the most pods/,
    );
  });

  test("every rendered object validates strictly against the Kubernetes schema", () => {
    const tool = findKubernetesValidate();
    expect(tool).toMatch(/kubernetes-validate$/);
    const objects = render(FULL).map((object) => ({ source: "team-tenancy", object }));
    expect(validateCoreObjects(objects, tool as string)).toEqual([]);
  });
});
