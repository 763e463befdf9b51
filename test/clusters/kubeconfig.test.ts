import { Testing } from "cdktf";
import { loadProfile } from "../../profiles/load";
import type { KubeconfigClusterConfig, Profile } from "../../profiles/schema";
import { KubeconfigClusterStack } from "../../stacks/clusters/kubeconfig";
import { buildApp } from "../../stacks/app";

const EXISTING = {
  cluster: {
    provider: "kubeconfig",
    name: "lab",
    kubeconfig: "/etc/cnai/kubeconfig",
    context: "lab-admin",
    kubernetesVersion: "1.35",
  },
};

type KubeconfigProfile = Profile & { cluster: KubeconfigClusterConfig };
/** cluster-gpu on an existing cluster: kind's host GPU indices removed (`null` drops a key). */
const NO_HOST_DEVICES = { pools: { mig: { gpu: { hostDevices: null } }, full: { gpu: { hostDevices: null } } } };
const profile = (name = "cluster-gpu") =>
  loadProfile(name, { ...EXISTING, ...(name === "cluster-gpu" && NO_HOST_DEVICES) }) as KubeconfigProfile;

describe("bring your own cluster (cluster.provider: kubeconfig)", () => {
  test("an override with another provider replaces the profile's cluster whole", () => {
    expect(profile("laptop").cluster).toEqual(EXISTING.cluster);
  });

  test("the cluster stack creates nothing and checks the server version and every pool's labelled nodes", () => {
    const json = JSON.parse(Testing.synth(new KubeconfigClusterStack(Testing.app(), "c", { profile: profile() })));
    expect(json.resource).toBeUndefined();
    expect(json.provider.kubernetes).toEqual([{ config_path: "/etc/cnai/kubeconfig", config_context: "lab-admin" }]);
    expect(Object.keys(json.data.kubernetes_nodes).sort()).toEqual(["pool-full", "pool-mig", "pool-system"]);
    expect(json.data.kubernetes_nodes["pool-mig"].metadata).toEqual({ labels: { "cnai.io/pool": "mig" } });
    expect(json.data.kubernetes_nodes["pool-mig"].lifecycle.postcondition).toEqual([
      {
        condition: "${length(self.nodes) >= 1}",
        error_message:
          "pools.mig.nodes is 1, but fewer nodes carry the label cnai.io/pool=mig: label them (kubectl label node <node> cnai.io/pool=mig) or lower pools.mig.nodes",
      },
    ]);
    expect(json.data.kubernetes_server_version["server-version"].lifecycle.postcondition[0].condition).toBe(
      '${self.major == "1" && tonumber(regex("^[0-9]+", self.minor)) == 35}',
    );
    expect(json.terraform.backend.local.path).toBe("../../../state/c.tfstate");
  });

  test("the platform stack's providers read the same kubeconfig file and context", () => {
    const { app, built } = buildApp({ profiles: ["laptop"], override: EXISTING, outdir: "/tmp/cnai-kubeconfig-test" });
    const json = JSON.parse(Testing.synth(built[0].platform));
    void app;
    expect(json.provider.kubernetes).toEqual([{ config_path: "/etc/cnai/kubeconfig", config_context: "lab-admin" }]);
    expect(json.provider.helm).toEqual([
      { kubernetes: { config_path: "/etc/cnai/kubeconfig", config_context: "lab-admin" } },
    ]);
  });

  test("kind's host GPU indices mean nothing on an existing cluster", () => {
    expect(() => loadProfile("cluster-gpu", EXISTING)).toThrow(
      /pools\.full\.gpu\.hostDevices: got \[4,5,6,7\]; only kind pools take host GPU indices; remove it on kubeconfig/,
    );
  });

  test("a relative kubeconfig path fails with the field and the fix", () => {
    expect(() => loadProfile("laptop", { cluster: { ...EXISTING.cluster, kubeconfig: "kubeconfig" } })).toThrow(
      /cluster\.kubeconfig: got "kubeconfig"; an absolute path to a kubeconfig file/,
    );
  });
});
