/**
 * The cost report: every cluster of a profile (the management cluster and its MultiKueue workers),
 * each pool's instance type times its node count at minimum and at maximum scale, plus the control
 * plane fee, from a price table that names its source and date. A type with no known price is listed
 * as unpriced, never guessed, and the totals say how many pools they leave out.
 */
import { workerNames, workerProfile } from "../platform/multicluster";
import type { Pool, Profile } from "../profiles/schema";
import type { Cloud } from "../platform/clouds/sizing";
import { orThrow, pickInstanceType } from "../platform/clouds/sizing";

export interface Price {
  readonly usdPerHour: number;
  readonly region: string;
  readonly source: string;
  /** The date the source states, or "undated". */
  readonly date: string;
}

const SKYPILOT_AWS =
  "skypilot-org/skypilot-catalog@001367d:catalogs/v7/aws/vms.csv (third-party catalog built from the AWS price list)";

/**
 * On-demand Linux prices. AWS P-family rows predate AWS's June 2025 price cut (third parties report
 * up to 45% off P5), so they overstate; check them against the live price list before budgeting.
 */
export const PRICES: Readonly<Record<string, Price>> = {
  "aws/m6i.xlarge": { usdPerHour: 0.214, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g4dn.xlarge": { usdPerHour: 0.587, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g4dn.12xlarge": { usdPerHour: 4.362, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g5.xlarge": { usdPerHour: 1.123, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g5.12xlarge": { usdPerHour: 6.33167, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g5.48xlarge": { usdPerHour: 18.18233, region: "eu-west-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g6.xlarge": { usdPerHour: 0.8048, region: "us-east-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g6.12xlarge": { usdPerHour: 4.6016, region: "us-east-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/g6.48xlarge": { usdPerHour: 13.3504, region: "us-east-1", source: SKYPILOT_AWS, date: "undated" },
  "aws/p4d.24xlarge": {
    usdPerHour: 35.39655,
    region: "eu-west-1",
    source: SKYPILOT_AWS,
    date: "undated (pre-June-2025)",
  },
  "aws/p4de.24xlarge": {
    usdPerHour: 40.96575,
    region: "us-east-1",
    source: SKYPILOT_AWS,
    date: "undated (pre-June-2025)",
  },
  "aws/p5.48xlarge": { usdPerHour: 98.32, region: "us-east-1", source: SKYPILOT_AWS, date: "undated (pre-June-2025)" },
  "aws/p5en.48xlarge": {
    usdPerHour: 84.8,
    region: "us-east-1",
    source: SKYPILOT_AWS,
    date: "undated (pre-June-2025)",
  },
  "aws/eks-control-plane": {
    usdPerHour: 0.1,
    region: "all",
    source:
      "aws.amazon.com/blogs/containers/amazon-eks-extended-support-for-kubernetes-versions-pricing/ (standard support)",
    date: "2024-04-01",
  },
  "gcp/gke-control-plane": {
    usdPerHour: 0.1,
    region: "all",
    source:
      "cloud.google.com/kubernetes-engine/pricing (cluster management fee; one zonal cluster is covered by a monthly credit)",
    date: "undated",
  },
  "azure/aks-control-plane": {
    usdPerHour: 0,
    region: "all",
    source: "AKS Free tier: cluster management is free (Microsoft docs); Standard tier is $0.10/hour",
    date: "undated",
  },
};

export interface PoolCost {
  readonly cluster: string;
  readonly pool: string;
  readonly instanceType: string;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly price?: Price;
}

export interface ClusterCost {
  readonly cluster: string;
  readonly provider: string;
  /** Where the cluster runs (AWS region, GCP region or zone, Azure location). */
  readonly region: string;
  readonly controlPlane?: Price;
  readonly pools: readonly PoolCost[];
}

/** The price table's key prefix per cloud. */
const PRICE_KEYS: Readonly<Record<Cloud, string>> = { eks: "aws", gke: "gcp", aks: "azure" };

/** The pool's instance type as its cluster stack picks it (a checked profile always has one). */
function instanceType(profile: Profile, name: string, pool: Pool): { key: string; type: string } | undefined {
  const cloud = profile.cluster.provider;
  if (cloud === "kind" || cloud === "kubeconfig") return undefined;
  return { type: orThrow(pickInstanceType(cloud, name, pool)).type, key: PRICE_KEYS[cloud] };
}

const CONTROL_PLANE: Record<string, string> = {
  eks: "aws/eks-control-plane",
  gke: "gcp/gke-control-plane",
  aks: "azure/aks-control-plane",
};

function clusterCost(profile: Profile): ClusterCost {
  const pools = Object.keys(profile.pools)
    .sort()
    .flatMap((name) => {
      const pool = profile.pools[name];
      const type = instanceType(profile, name, pool);
      if (!type) return [];
      return [
        {
          cluster: profile.name,
          pool: name,
          instanceType: type.type,
          minNodes: pool.autoscaling?.min ?? pool.nodes,
          maxNodes: pool.autoscaling?.max ?? pool.nodes,
          price: PRICES[`${type.key}/${type.type}`],
        },
      ];
    });
  return {
    cluster: profile.name,
    provider: profile.cluster.provider,
    region: clusterRegion(profile),
    controlPlane: PRICES[CONTROL_PLANE[profile.cluster.provider]],
    pools,
  };
}

function clusterRegion(profile: Profile): string {
  const cluster = profile.cluster;
  switch (cluster.provider) {
    case "eks":
      return cluster.region;
    case "gke":
    case "aks":
      return cluster.location;
    case "kind":
    case "kubeconfig":
      return "local";
  }
}

/** Every cloud cluster of a profile; kind profiles cost nothing here. */
export function costReport(profile: Profile): ClusterCost[] {
  const clusters = [profile, ...workerNames(profile).map((worker) => workerProfile(profile, worker))];
  return clusters.filter((c) => c.cluster.provider !== "kind" && c.cluster.provider !== "kubeconfig").map(clusterCost);
}

export interface CostTotals {
  readonly minUsdPerHour: number;
  readonly maxUsdPerHour: number;
  /** Pools without a known price, left out of the totals. */
  readonly unpriced: readonly string[];
  /** Pools priced from another region than their cluster's: counted, but regional prices differ. */
  readonly otherRegion: readonly string[];
}

export function costTotals(clusters: readonly ClusterCost[]): CostTotals {
  let min = 0;
  let max = 0;
  const unpriced: string[] = [];
  const otherRegion: string[] = [];
  for (const cluster of clusters) {
    min += cluster.controlPlane?.usdPerHour ?? 0;
    max += cluster.controlPlane?.usdPerHour ?? 0;
    for (const pool of cluster.pools) {
      if (!pool.price) {
        unpriced.push(`${pool.cluster}/${pool.pool} (${pool.instanceType})`);
        continue;
      }
      if (pool.price.region !== "all" && pool.price.region !== cluster.region) {
        otherRegion.push(`${pool.cluster}/${pool.pool} (${pool.instanceType} priced in ${pool.price.region})`);
      }
      min += pool.minNodes * pool.price.usdPerHour;
      max += pool.maxNodes * pool.price.usdPerHour;
    }
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return { minUsdPerHour: round(min), maxUsdPerHour: round(max), unpriced, otherRegion };
}

export function formatCostReport(profileName: string, clusters: readonly ClusterCost[]): string {
  const totals = costTotals(clusters);
  const lines = [
    `Profile ${profileName}: $${totals.minUsdPerHour}/h at minimum scale, $${totals.maxUsdPerHour}/h at maximum` +
      (totals.unpriced.length
        ? ` (without ${totals.unpriced.length} unpriced pool(s): ${totals.unpriced.join(", ")})`
        : "") +
      (totals.otherRegion.length
        ? `; ${totals.otherRegion.length} pool(s) use a price from another region than their cluster: ${totals.otherRegion.join(", ")}`
        : ""),
    "",
    "| cluster | pool | type | nodes (min–max) | USD/h each | price region, source, date |",
    "|---|---|---|---|---|---|",
  ];
  for (const cluster of clusters) {
    const cp = cluster.controlPlane;
    lines.push(
      `| ${cluster.cluster} | (control plane) | ${cluster.provider} | 1 | ${cp?.usdPerHour ?? "unpriced"} | ${cp ? `${cp.region}, ${cp.source}, ${cp.date}` : "-"} |`,
    );
    for (const pool of cluster.pools) {
      const p = pool.price;
      lines.push(
        `| ${pool.cluster} | ${pool.pool} | ${pool.instanceType} | ${pool.minNodes}–${pool.maxNodes} | ${p?.usdPerHour ?? "unpriced"} | ${p ? `${p.region}, ${p.source}, ${p.date}` : "no sourced price"} |`,
      );
    }
  }
  return lines.join("\n");
}
