import { Testing } from "cdk8s";
import { WebhookGateChart } from "../../charts/webhook-gate";

const image = "registry.k8s.io/kubectl:v1.35.0";

describe("WebhookGateChart", () => {
  test("a cluster-scoped probe gets a ClusterRole allowing only create on that resource", () => {
    const chart = new WebhookGateChart(Testing.app(), "gate", {
      name: "kueue-webhook-ready",
      namespace: "kueue-system",
      probe: { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ResourceFlavor", metadata: { name: "probe" } } as never,
      resource: "resourceflavors",
      image,
    });
    const manifests = Testing.synth(chart);
    expect(manifests.map((m) => m.kind)).toEqual([
      "ServiceAccount",
      "ClusterRole",
      "ClusterRoleBinding",
      "ConfigMap",
      "Job",
    ]);
    expect(manifests[1]).toEqual({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "kueue-webhook-ready" },
      rules: [{ apiGroups: ["kueue.x-k8s.io"], resources: ["resourceflavors"], verbs: ["create"] }],
    });
    expect(manifests[3].data).toEqual({
      "probe.yaml": "apiVersion: kueue.x-k8s.io/v1beta2\nkind: ResourceFlavor\nmetadata:\n  name: probe\n",
    });
  });

  test("the Job is a blocking Helm hook that retries a server-side dry run until the webhook answers", () => {
    const chart = new WebhookGateChart(Testing.app(), "gate", {
      name: "cnpg-webhook-ready",
      namespace: "cnpg-system",
      probe: {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: { name: "probe", namespace: "cnpg-system" },
      } as never,
      resource: "clusters",
      image,
      timeoutSeconds: 300,
    });
    const manifests = Testing.synth(chart);
    expect(manifests.map((m) => m.kind)).toEqual(["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Job"]);
    const job = manifests[4];
    expect(job.metadata.annotations).toEqual({
      "helm.sh/hook": "post-install,post-upgrade",
      "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    });
    expect(job.spec.activeDeadlineSeconds).toBe(300);
    expect(job.spec.template.spec.restartPolicy).toBe("OnFailure");
    expect(job.spec.template.spec.containers[0]).toMatchObject({
      image,
      args: ["create", "--dry-run=server", "-f", "/probe/probe.yaml"],
      resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    });
  });
});
