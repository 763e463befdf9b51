import type { KindClusterConfig, Profile } from "../../profiles/schema";
import { Testing } from "cdktf";
import { loadProfile } from "../../profiles/load";
import { KindClusterStack, kindNodes, kindWorkerName, kindWorkers } from "../../stacks/cluster-stack";
import { imageRef } from "../../platform/versions";

type KindProfile = Profile & { cluster: KindClusterConfig };

/** The stack's Terraform JSON, as cdktf writes it. */
function clusterJson(profile: string) {
  const stack = new KindClusterStack(Testing.app(), `${profile}-cluster`, {
    profile: loadProfile(profile) as KindProfile,
  });
  return JSON.parse(Testing.synth(stack));
}

describe("the cluster stack", () => {
  test("the laptop cluster is one control plane and one worker on the pinned node image", () => {
    const json = clusterJson("laptop");
    expect(json.resource.kind_cluster.cluster).toMatchObject({
      name: "cnai-laptop",
      node_image: imageRef("kind-node"),
      wait_for_ready: true,
      kind_config: [
        {
          kind: "Cluster",
          api_version: "kind.x-k8s.io/v1alpha4",
          node: [
            { role: "control-plane", image: imageRef("kind-node") },
            { role: "worker", image: imageRef("kind-node"), extra_mounts: [] },
          ],
        },
      ],
    });
    expect(json.resource.terraform_data).toBeUndefined();
  });

  test("a GPU worker gets one /dev/null mount per GPU, the way nvkind exposes GPUs, and its pool's labels", () => {
    expect(kindNodes(loadProfile("laptop-gpu") as KindProfile)[1]).toEqual({
      role: "worker",
      image: imageRef("kind-node"),
      labels: { "cnai.io/pool": "workers", "nvidia.com/device-plugin.config": "workers" },
      extraMounts: [
        { hostPath: "/dev/null", containerPath: "/var/run/nvidia-container-devices/cdi/runtime.nvidia.com/gpu/0" },
      ],
      kubeadmConfigPatches: undefined,
    });
  });

  test("pools become workers in pool order, GPUs split across a pool's nodes, taints through kubeadm", () => {
    const workers = kindWorkers(loadProfile("cluster-gpu"));
    expect(workers.map((w) => [w.pool, w.hostDevices])).toEqual([
      ["full", [4, 5, 6, 7]],
      ["mig", [0, 1, 2, 3]],
      ["system", []],
    ]);
    expect(workers[1].node.labels).toEqual({
      "cnai.io/pool": "mig",
      "nvidia.com/device-plugin.config": "mig",
      "nvidia.com/mig.config": "all-1g.10gb",
    });
    expect(workers[0].node.kubeadmConfigPatches).toEqual([
      "kind: JoinConfiguration\nnodeRegistration:\n  taints:\n    - key: nvidia.com/gpu\n      value: present\n      effect: NoSchedule\n",
    ]);
    expect(workers[2].node.kubeadmConfigPatches).toBeUndefined();
  });

  test("each GPU worker is prepared like nvkind does it, after the cluster exists", () => {
    const json = clusterJson("laptop-gpu");
    const setup = json.resource.terraform_data["nvkind-setup-cnai-laptop-gpu-worker"];
    expect(setup.depends_on).toEqual(["kind_cluster.cluster"]);
    expect(setup.provisioner[0]["local-exec"].command).toMatch(/^docker exec cnai-laptop-gpu-worker bash -c '/);
    expect(setup.provisioner[0]["local-exec"].command).toContain(
      "nvidia-ctk runtime configure --runtime=containerd --config-source=command",
    );
  });

  test("kind names workers worker, worker2, worker3", () => {
    expect([0, 1, 2].map((i) => kindWorkerName("c", i))).toEqual(["c-worker", "c-worker2", "c-worker3"]);
  });
});
