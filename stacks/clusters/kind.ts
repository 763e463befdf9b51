/**
 * The cluster stack: a kind cluster shaped by the profile. Its endpoint and credentials are the
 * only thing the platform stack takes from it (cross-stack references, not a kubeconfig path).
 */
import { DataResource, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { stringify } from "yaml";
import { poolNames, poolNodeLabels } from "../../profiles/plan";
import type { KindClusterConfig, Profile } from "../../profiles/schema";
import type { ClusterConnection } from "./connection";
import { configureBackend } from "./state";
import { pinProviders } from "../providers/pins";
import type { KindNode } from "../providers/kind";
import { KindCluster, KindProvider } from "../providers/kind";
import { imageRef } from "../../platform/versions";

/**
 * What nvkind does to each GPU worker after kind created it (NVIDIA/nvkind:pkg/nvkind/node.go):
 * install the NVIDIA Container Toolkit inside the node, register its runtime with containerd, and
 * mask `ModifyDeviceFiles` so the driver cannot recreate device nodes the worker must not see.
 */
export const NVKIND_NODE_SETUP = [
  "set -euo pipefail",
  "apt-get update && apt-get install -y gpg",
  "curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --dearmor --yes -o /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
  "curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list | sed 's#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g' > /etc/apt/sources.list.d/nvidia-container-toolkit.list",
  "apt-get update && apt-get install -y nvidia-container-toolkit",
  "nvidia-ctk runtime configure --runtime=containerd --config-source=command",
  "systemctl restart containerd",
  "if grep -q '^ModifyDeviceFiles: 1$' /proc/driver/nvidia/params; then umount -R /proc/driver/nvidia; cp /proc/driver/nvidia/params /run/nvidia-gpu-params; sed -i 's/^ModifyDeviceFiles: 1$/ModifyDeviceFiles: 0/' /run/nvidia-gpu-params; mount --bind /run/nvidia-gpu-params /proc/driver/nvidia/params; fi",
].join("\n");

export interface KindClusterStackProps {
  readonly profile: Profile & { readonly cluster: KindClusterConfig };
}

/** kind names workers `<cluster>-worker`, `<cluster>-worker2`, … in order. */
export function kindWorkerName(clusterName: string, index: number): string {
  return `${clusterName}-worker${index === 0 ? "" : index + 1}`;
}

/** One kind worker of a pool, with the host GPUs it is given. */
export interface KindWorkerPlan {
  readonly pool: string;
  readonly hostDevices: readonly number[];
  readonly node: KindNode;
}

/**
 * Pools become kind workers, pools in name order and nodes in order; GPU nodes take their host GPU
 * indices from `hostDevices` in order. Taints go in through kubeadm's JoinConfiguration, the only
 * place kind accepts them.
 */
export function kindWorkers(profile: Profile): KindWorkerPlan[] {
  const nodeImage = imageRef("kind-node", profile.mirror.images);
  return poolNames(profile).flatMap((poolName) => {
    const pool = profile.pools[poolName];
    return Array.from({ length: pool.nodes }, (_, index) => {
      const perNode = pool.gpu?.perNode ?? 0;
      const hostDevices = (pool.gpu?.hostDevices ?? []).slice(index * perNode, (index + 1) * perNode);
      const node: KindNode = {
        role: "worker",
        image: nodeImage,
        labels: poolNodeLabels(poolName, pool),
        // nvkind's mechanism: a /dev/null mount per GPU that the NVIDIA runtime on the host turns into the device
        // (needs accept-nvidia-visible-devices-as-volume-mounts = true on the host; see README).
        extraMounts: hostDevices.map((gpu) => ({
          hostPath: "/dev/null",
          containerPath: `/var/run/nvidia-container-devices/cdi/runtime.nvidia.com/gpu/${gpu}`,
        })),
        kubeadmConfigPatches: pool.taints.length > 0 ? [joinTaintsPatch(pool.taints)] : undefined,
      };
      return { pool: poolName, hostDevices, node };
    });
  });
}

function joinTaintsPatch(taints: Profile["pools"][string]["taints"]): string {
  return stringify({ kind: "JoinConfiguration", nodeRegistration: { taints: taints.map((t) => ({ ...t })) } });
}

/** The kind nodes for a profile: control plane(s), then the pools' workers. */
export function kindNodes(profile: Profile & { readonly cluster: KindClusterConfig }): KindNode[] {
  const controlPlanes: KindNode[] = Array.from({ length: profile.cluster.controlPlanes }, () => ({
    role: "control-plane",
    image: imageRef("kind-node", profile.mirror.images),
  }));
  return [...controlPlanes, ...kindWorkers(profile).map((w) => w.node)];
}

export class KindClusterStack extends TerraformStack {
  readonly connection: ClusterConnection;

  constructor(scope: Construct, id: string, props: KindClusterStackProps) {
    super(scope, id);
    const { profile } = props;
    configureBackend(this, profile, id);
    new KindProvider(this, "kind");
    const cluster = new KindCluster(this, "cluster", {
      name: profile.cluster.name,
      nodeImage: imageRef("kind-node", profile.mirror.images),
      waitForReady: true,
      nodes: kindNodes(profile),
    });
    kindWorkers(profile).forEach((worker, index) => {
      if (worker.hostDevices.length === 0) return;
      const node = kindWorkerName(profile.cluster.name, index);
      new DataResource(this, `nvkind-setup-${node}`, {
        dependsOn: [cluster],
        input: { node, script: NVKIND_NODE_SETUP },
        provisioners: [
          { type: "local-exec", command: `docker exec ${node} bash -c '${NVKIND_NODE_SETUP.replace(/'/g, `'"'"'`)}'` },
        ],
      });
    });
    pinProviders(this, ["kind"]);
    this.connection = {
      host: cluster.endpoint,
      clientCertificate: cluster.clientCertificate,
      clientKey: cluster.clientKey,
      clusterCaCertificate: cluster.clusterCaCertificate,
    };
  }
}
