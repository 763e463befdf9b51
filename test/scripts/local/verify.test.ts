import { keptByHelm, localClusterOverride, tofuError } from "../../../scripts/local/verify";
import { loadCheckedProfile } from "../../../platform/check";

describe("verify:cluster", () => {
  test("turns a kind profile into a bring-your-own-cluster profile on the local control plane", () => {
    expect(localClusterOverride(loadCheckedProfile("cluster-gpu"), "/x/kubeconfig", "v1.35.8")).toEqual({
      cluster: { provider: "kubeconfig", name: "cnai-cluster", kubeconfig: "/x/kubeconfig", kubernetesVersion: "1.35" },
      mirror: { charts: "http://127.0.0.1:8879" },
      pools: { full: { gpu: { hostDevices: null } }, mig: { gpu: { hostDevices: null } } },
    });
    const override = localClusterOverride(loadCheckedProfile("cluster-gpu"), "/x/kubeconfig", "v1.35.8");
    expect(loadCheckedProfile("cluster-gpu", override).cluster.provider).toBe("kubeconfig");
  });

  test("reports OpenTofu's error without colours or box drawing", () => {
    const output =
      "\x1b[31m│\x1b[0m Error: Helm release error\n│ \n│   with helm_release.release-kueue,\n0 Stacks deploying\n";
    expect(tofuError(output)).toBe("Error: Helm release error with helm_release.release-kueue,");
  });

  test("a CRD Helm keeps: from a chart's crds/ folder, or marked keep", () => {
    expect([
      keptByHelm(undefined),
      keptByHelm({ "meta.helm.sh/release-name": "cert-manager", "helm.sh/resource-policy": "keep" }),
      keptByHelm({ "meta.helm.sh/release-name": "kueue" }),
    ]).toEqual([true, true, false]);
  });
});
