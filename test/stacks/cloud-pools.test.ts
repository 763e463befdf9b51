import { Testing } from "cdktf";
import { loadProfile } from "../../profiles/load";
import { createClusterStack } from "../../stacks/cluster-stack";
import { kueueQueuesProps } from "../../platform/components/kueue";

type Taint = { key: string; value?: string; effect: string };

/** The labels and taints each cloud writes on a pool's nodes, read back from the synthesized cluster stack. */
function nodePools(profileName: string): Record<string, { labels: Record<string, string>; taints: Taint[] }> {
  const profile = loadProfile(profileName);
  const json = JSON.parse(Testing.synth(createClusterStack(Testing.app(), "cluster", profile)));
  const pools: Record<string, { labels: Record<string, string>; taints: Taint[] }> = {};
  const effect = (cloud: string) =>
    cloud
      .toLowerCase()
      .replace(/_(\w)/g, (_, c: string) => c.toUpperCase())
      .replace(/^\w/, (c) => c.toUpperCase());
  for (const group of Object.values(
    (json.resource.aws_eks_node_group ?? {}) as Record<
      string,
      { node_group_name: string; labels: Record<string, string>; taint?: Taint[] }
    >,
  )) {
    pools[group.node_group_name] = {
      labels: group.labels,
      taints: (group.taint ?? []).map((t) => ({ ...t, effect: effect(t.effect) })),
    };
  }
  for (const pool of Object.values(
    (json.resource.google_container_node_pool ?? {}) as Record<
      string,
      { name: string; node_config: { labels: Record<string, string>; taint?: Taint[] } }
    >,
  )) {
    pools[pool.name] = {
      labels: pool.node_config.labels,
      taints: (pool.node_config.taint ?? []).map((t) => ({ ...t, effect: effect(t.effect) })),
    };
  }
  const aksTaint = (text: string): Taint => {
    const [keyValue, taintEffect] = text.split(":");
    const [key, value] = keyValue.split("=");
    return { key, ...(value === undefined ? {} : { value }), effect: taintEffect };
  };
  for (const pool of Object.values(
    (json.resource.azurerm_kubernetes_cluster_node_pool ?? {}) as Record<
      string,
      { name: string; node_labels: Record<string, string>; node_taints?: string[] }
    >,
  )) {
    pools[pool.name] = { labels: pool.node_labels, taints: (pool.node_taints ?? []).map(aksTaint) };
  }
  for (const cluster of Object.values(
    (json.resource.azurerm_kubernetes_cluster ?? {}) as Record<
      string,
      { default_node_pool: { name: string; node_labels: Record<string, string> } }
    >,
  )) {
    pools[cluster.default_node_pool.name] = { labels: cluster.default_node_pool.node_labels, taints: [] };
  }
  return pools;
}

describe("cloud GPU pools and Kueue flavors", () => {
  test.each(["eks-gpu", "gke-gpu", "aks-gpu"])(
    "on %s every flavor selects labels its pool's nodes carry and tolerates exactly the taints they have",
    (name) => {
      const pools = nodePools(name);
      const { flavors } = kueueQueuesProps(loadProfile(name));
      expect(Object.keys(pools).sort()).toEqual(flavors.map((f) => f.name).sort());
      for (const flavor of flavors) {
        const nodes = pools[flavor.name];
        for (const [key, value] of Object.entries(flavor.nodeLabels))
          expect([flavor.name, key, nodes.labels[key]]).toEqual([flavor.name, key, value]);
        const tolerated = flavor.tolerations.map((t) => ({
          key: t.key,
          ...(t.value === undefined ? {} : { value: t.value }),
          effect: t.effect,
        }));
        expect([flavor.name, nodes.taints]).toEqual([flavor.name, tolerated]);
      }
    },
  );
});
