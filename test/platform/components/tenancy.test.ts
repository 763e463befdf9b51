import { renderLocal } from "../../support/render";
import { loadProfile } from "../../../profiles/load";
import { contextFor } from "../../../platform/graph";
import type { LocalRelease } from "../../../platform/component";
import { teamEgress, teamMaximum, tenancy } from "../../../platform/components/tenancy";
import { teamNamespaceSpecs } from "../../../platform/components/teams";

function renderedObjects(profileName: string, override?: unknown) {
  const steps = tenancy.steps(contextFor(loadProfile(profileName, override)));
  return renderLocal(steps[0] as LocalRelease, "tenancy");
}

describe("tenancy component", () => {
  test("every team namespace enforces Pod Security restricted and opts in to Kueue", () => {
    expect(teamNamespaceSpecs(loadProfile("workstation-gpu"))).toEqual([
      {
        name: "team-applied",
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "v1.35",
          "pod-security.kubernetes.io/audit": "restricted",
          "pod-security.kubernetes.io/audit-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/warn-version": "latest",
          "managed-by-kueue": "true",
        },
      },
      expect.objectContaining({ name: "team-research" }),
    ]);
  });

  test("on a cloud profile, team namespaces enforce Pod Security at the cluster's own Kubernetes minor", () => {
    const enforced = (name: string, override?: unknown) =>
      teamNamespaceSpecs(loadProfile(name, override)).map(
        (ns) => ns.labels?.["pod-security.kubernetes.io/enforce-version"],
      );
    expect(enforced("eks-gpu")).toEqual(["v1.35", "v1.35"]);
    expect(enforced("eks-gpu", { cluster: { kubernetesVersion: "1.33" } })).toEqual(["v1.33", "v1.33"]);
    expect(enforced("gke-gpu", { cluster: { kubernetesVersion: "1.34" } })).toEqual(["v1.34"]);
    expect(enforced("aks-gpu", { cluster: { kubernetesVersion: "1.32" } })).toEqual(["v1.32"]);
  });

  test("on a DRA pool a team's ResourceQuota caps the devices its claims may hold per DeviceClass", () => {
    const quota = renderedObjects("cluster-gpu-dra").find(
      (o) => o.kind === "ResourceQuota" && o.metadata.namespace === "team-serving",
    );
    expect(quota?.spec.hard).toMatchObject({
      "gpu.nvidia.com.deviceclass.resource.k8s.io/devices": "1",
      "mig.nvidia.com.deviceclass.resource.k8s.io/devices": "28",
    });
    expect(Object.keys(quota?.spec.hard ?? {}).filter((k) => k.includes("dra.cnai.io"))).toEqual([]);
  });

  test("a team's ResourceQuota is the most its queue can ever admit, summed over pools", () => {
    // serving, cpu: system 2 + 4 + 2 lent, mig 8 + 16 + 8, full 4 + 16 + 16 = 76 cores
    const profile = loadProfile("cluster-gpu");
    expect(teamMaximum(profile, "serving")).toEqual({
      cpu: "76",
      memory: "432Gi",
      extended: { "nvidia.com/gpu": 1, "nvidia.com/mig-1g.10gb": 28 },
    });
    const quota = renderedObjects("cluster-gpu").find(
      (o) => o.kind === "ResourceQuota" && o.metadata.namespace === "team-serving",
    );
    expect(quota?.spec.hard).toEqual({
      "requests.cpu": "76",
      "requests.memory": "432Gi",
      "requests.nvidia.com/gpu": "1",
      "requests.nvidia.com/mig-1g.10gb": "28",
      pods: "100",
      "services.loadbalancers": "0",
      "services.nodeports": "0",
    });
  });

  test("teams may reach MLflow, the notebook hub, the object store, the OpenTelemetry gateway and the vector database, and nothing else of the platform", () => {
    expect(teamEgress(contextFor(loadProfile("laptop")))).toEqual([
      { name: "mlflow", namespace: "mlflow", ports: [5000] },
      { name: "notebooks-hub", namespace: "notebooks", ports: [8081] },
      { name: "object-store", namespace: "object-store", ports: [8333] },
      { name: "otel-collector", namespace: "opentelemetry", ports: [4317, 4318] },
      { name: "vector-db", namespace: "vector-db", ports: [6333, 6334] },
    ]);
    expect(
      teamEgress(contextFor(loadProfile("laptop", { components: { mlflow: { lifecycle: "disabled" } } }))).map(
        (p) => p.name,
      ),
    ).toEqual(["notebooks-hub", "object-store", "otel-collector", "vector-db"]);
  });

  test("teams get no route to Milvus, which has no per-team users here", () => {
    const ctx = contextFor(loadProfile("laptop", { vectorDatabase: { engine: "milvus" } }));
    expect(teamEgress(ctx).map((peer) => peer.name)).toEqual([
      "mlflow",
      "notebooks-hub",
      "object-store",
      "otel-collector",
    ]);
  });

  test("the KubeRay operator may reach the Ray dashboards in team namespaces", () => {
    const ingress = renderedObjects("laptop").find((o) => o.metadata.name === "allow-ingress-from-kuberay-operator");
    expect(ingress?.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ray-system" } } }],
        ports: [{ protocol: "TCP", port: 8265 }],
      },
    ]);
  });

  test("groups bind to the team's role in its namespace", () => {
    const binding = renderedObjects("workstation-gpu").find(
      (o) => o.kind === "RoleBinding" && o.metadata.namespace === "team-research",
    );
    expect(binding?.subjects).toEqual([{ kind: "Group", name: "research", apiGroup: "rbac.authorization.k8s.io" }]);
  });

  test("members manage TrainJobs, JobSets and SparkApplications where their operators are, and not elsewhere", () => {
    const managed = (profileName: string) =>
      (
        renderedObjects(profileName).find(
          (o) => o.kind === "Role" && o.metadata.namespace === "team-research" && o.metadata.name === "team-member",
        ) as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }
      ).rules
        .filter((r) => r.verbs.includes("create"))
        .map((r) => `${r.apiGroups[0]}/${r.resources.join(",")}`);
    expect(managed("cluster-gpu")).toEqual(
      expect.arrayContaining([
        "trainer.kubeflow.org/trainjobs",
        "jobset.x-k8s.io/jobsets",
        "sparkoperator.k8s.io/sparkapplications,scheduledsparkapplications",
      ]),
    );
    expect(managed("workstation-gpu").filter((k) => /trainer|jobset|spark/.test(k))).toEqual([]);
  });

  test("a profile without teams has nothing to install", () => {
    // Maps merge, so an override cannot remove the laptop's team: build the profile without it.
    expect(tenancy.steps(contextFor({ ...loadProfile("laptop"), teams: {} }))).toEqual([]);
  });
  test.each([
    [
      "eks-gpu",
      [
        ["allow-egress-to-pod-identity-agent", "169.254.170.23/32", 80],
        ["allow-egress-to-cloud-apis", "0.0.0.0/0", 443],
      ],
    ],
    [
      "gke-gpu",
      [
        ["allow-egress-to-gke-metadata", "169.254.169.254/32", 80],
        ["allow-egress-to-gke-metadata-server", "169.254.169.252/32", 988],
        ["allow-egress-to-cloud-apis", "0.0.0.0/0", 443],
      ],
    ],
    ["aks-gpu", [["allow-egress-to-cloud-apis", "0.0.0.0/0", 443]]],
  ])("on %s, team pods may reach the cloud identity endpoint and HTTPS for cloud storage", (profileName, expected) => {
    const objects = renderedObjects(profileName);
    const namespace = teamNamespaceSpecs(loadProfile(profileName))[0].name;
    const cidrPolicies = objects
      .filter(
        (o) => o.kind === "NetworkPolicy" && o.metadata.namespace === namespace && o.spec.egress?.[0]?.to?.[0]?.ipBlock,
      )
      .map((o) => [o.metadata.name, o.spec.egress[0].to[0].ipBlock.cidr, o.spec.egress[0].ports[0].port]);
    expect(cidrPolicies).toEqual(expected);
  });

  test("a kind profile's team namespaces get no egress to CIDRs", () => {
    const objects = renderedObjects("cluster-gpu");
    expect(objects.filter((o) => o.kind === "NetworkPolicy" && o.spec.egress?.[0]?.to?.[0]?.ipBlock)).toEqual([]);
  });
});
