import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { buildApp } from "../../stacks/app";
import { kueueQueuesProps } from "../../platform/components/kueue";
import { cleanUpLocalCharts } from "../../stacks/local-chart";
import { loadProfile } from "../../profiles/load";

describe("the multicloud-gpu profile", () => {
  const outdir = mkdtempSync(join(tmpdir(), "cnai-multicloud-"));
  const { app, built } = buildApp({ profiles: ["multicloud-gpu"], outdir });
  app.synth();
  cleanUpLocalCharts();
  const tf = (stack: string) => JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));

  test("builds a cluster and a platform stack for the management cluster and for each worker", () => {
    expect(Object.keys(built[0].workers)).toEqual(["aks", "gke"]);
    expect(built[0].workers.gke.cluster.node.id).toBe("multicloud-gpu-gke-cluster");
    // The manager's platform comes last: it reads the workers' endpoints, CAs and tokens.
    expect(built[0].platform.dependencies.map((d) => d.node.id).sort()).toEqual([
      "multicloud-gpu-aks-cluster",
      "multicloud-gpu-aks-platform",
      "multicloud-gpu-cluster",
      "multicloud-gpu-gke-cluster",
      "multicloud-gpu-gke-platform",
    ]);
  });

  test("each worker gives the manager a least-privileged ServiceAccount token, never admin credentials", () => {
    const worker = tf("multicloud-gpu-gke-platform");
    expect(worker.resource.kubernetes_secret_v1["multikueue-token"]).toMatchObject({
      metadata: {
        name: "multikueue-sa-token",
        namespace: "kueue-system",
        annotations: { "kubernetes.io/service-account.name": "multikueue-sa" },
      },
      type: "kubernetes.io/service-account-token",
      wait_for_service_account_token: true,
    });
    expect(worker.resource.kubernetes_cluster_role_binding_v1["multikueue-binding"].role_ref).toEqual({
      api_group: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "multikueue-sa-role",
    });
    const outputs = Object.values(worker.output as Record<string, { sensitive?: boolean }>);
    expect(outputs.every((o) => o.sensitive === true)).toBe(true);
  });

  test("the worker's token reads cluster-wide but writes only in the team namespaces", () => {
    const worker = tf("multicloud-gpu-gke-platform");
    const roles = worker.resource.kubernetes_cluster_role_v1;
    const verbs = (role: string) =>
      [...new Set((roles[role].rule as Array<{ verbs: string[] }>).flatMap((rule) => rule.verbs))].sort();
    expect(verbs("multikueue-role")).toEqual(["get", "list", "watch"]);
    expect(verbs("multikueue-dispatch-role")).toEqual(["create", "delete", "patch", "update"]);
    const bindings = worker.resource.kubernetes_role_binding_v1 as Record<string, Record<string, unknown>>;
    expect(Object.values(bindings).map((b) => (b.metadata as { namespace: string }).namespace)).toEqual([
      "team-research",
      "team-serving",
    ]);
    for (const binding of Object.values(bindings)) {
      expect(binding.role_ref).toEqual({
        api_group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "multikueue-sa-dispatch",
      });
      expect(binding.subject).toEqual([{ kind: "ServiceAccount", name: "multikueue-sa", namespace: "kueue-system" }]);
    }
    const bindsDispatch = Object.values(
      worker.resource.kubernetes_cluster_role_binding_v1 as Record<string, { role_ref: { name: string } }>,
    ).filter((b) => b.role_ref.name === "multikueue-sa-dispatch");
    expect(bindsDispatch).toEqual([]);
  });

  test("the manager's kubeconfig Secrets hold a static token and inline CA, with no exec plugin", () => {
    const manager = tf("multicloud-gpu-platform");
    const secret = manager.resource.kubernetes_secret_v1["secret-kueue-system-multikueue-gke"];
    expect(secret.metadata).toEqual({ name: "multikueue-gke", namespace: "kueue-system" });
    const kubeconfig = parse(secret.data.kubeconfig);
    expect(kubeconfig.users[0].user.token).toBe(
      "${data.terraform_remote_state.cross-stack-reference-input-multicloud-gpu-gke-platform.outputs.cross-stack-output-kubernetes_secret_v1multikueue-tokendata.token}",
    );
    expect(kubeconfig.clusters[0].cluster.server).toMatch(
      /^https:\/\/\$\{data\.terraform_remote_state\.cross-stack-reference-input-multicloud-gpu-gke-cluster\./,
    );
    expect(JSON.stringify(kubeconfig)).not.toMatch(/exec|insecure-skip-tls-verify/);
  });

  test("the manager's queues dispatch through the MultiKueue admission check to flavors of the workers' pools", () => {
    const props = kueueQueuesProps(loadProfile("multicloud-gpu"));
    expect(props.admissionCheck).toBe("multikueue");
    expect(props.flavors.map((f) => f.name)).toEqual(["akssystem", "gke-system", "system", "akst4", "gke-l4"]);
    const manager = tf("multicloud-gpu-platform");
    expect(manager.resource.helm_release["release-multikueue"].depends_on).toEqual(
      expect.arrayContaining([
        "helm_release.release-kueue-queues",
        "kubernetes_secret_v1.secret-kueue-system-multikueue-gke",
      ]),
    );
  });

  test("workers run Kueue, KubeRay, tenancy and their own monitoring with the platform dashboards, but none of the shared services", () => {
    expect(Object.keys(tf("multicloud-gpu-gke-platform").resource.helm_release).sort()).toEqual([
      "release-kube-prometheus-stack",
      "release-kuberay-operator",
      "release-kueue",
      "release-kueue-queues",
      "release-kueue-webhook-ready",
      "release-platform-dashboards",
      "release-team-tenancy",
    ]);
  });
});
