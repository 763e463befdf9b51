import { z } from "zod";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import type { ComponentDefinition } from "../../platform/component";
import { ProfileError } from "../../profiles/problems";
import type { Problem } from "../../profiles/problems";
import type { ProfileOverride } from "../../profiles/schema";

/** The problems (path: message) a profile override produces with every check, or [] when it loads. */
function problems(name: string, override: unknown, catalog = CATALOG): string[] {
  try {
    loadCheckedProfile(name, override, catalog);
    return [];
  } catch (error) {
    if (error instanceof ProfileError) return error.problems.map((p) => `${p.path}: ${p.allowed}`);
    throw error;
  }
}

/** A component a fork might add: one namespace, one chart, typed settings. */
const dashboards: ComponentDefinition = {
  id: "dashboards",
  title: "Dashboards",
  summary: "A test component with settings",
  defaultLifecycle: "disabled",
  reservedNamespaces: ["dashboards"],
  placement: "management-only",
  settings: z.strictObject({ idleMinutes: z.number().int().min(5).default(60) }),
  dependencies: () => [],
  namespaces: () => [{ name: "dashboards" }],
  steps: () => [],
};

describe("loadCheckedProfile", () => {
  test("a component the catalog does not have is a problem that lists the known ids", () => {
    expect(problems("laptop", { components: { jupyterhub: { lifecycle: "managed" } } })).toEqual([
      `components.jupyterhub: no component "jupyterhub" in the catalog (platform/catalog.ts); known: ${CATALOG.map(
        (c) => c.id,
      )
        .sort()
        .join(", ")}`,
    ]);
  });

  test("a component not named by the profile keeps its default lifecycle", () => {
    const profile = loadCheckedProfile("laptop", undefined, [...CATALOG, dashboards]);
    expect(profile.components.dashboards).toBeUndefined();
    expect(problems("laptop", {}, [...CATALOG, dashboards])).toEqual([]);
  });

  test("a component's settings are checked against its own schema, with the path into them", () => {
    expect(
      problems("laptop", { components: { dashboards: { settings: { idleMinutes: 1, color: "red" } } } }, [
        ...CATALOG,
        dashboards,
      ]),
    ).toEqual([
      "components.dashboards.settings.color: unknown key; remove it",
      "components.dashboards.settings.idleMinutes: Too small: expected number to be >=5",
    ]);
    expect(problems("laptop", { components: { mlflow: { settings: { replicas: 2 } } } })).toEqual([
      'components.mlflow.settings: "mlflow" has no settings; remove the key',
    ]);
  });

  test("a team may not take a namespace a component reserves, even when that component is disabled", () => {
    expect(
      problems(
        "workstation-gpu",
        {
          teams: { research: { namespace: "kserve" }, applied: { namespace: "dashboards" } },
        },
        [...CATALOG, dashboards],
      ),
    ).toEqual([
      'teams.applied.namespace: reserved by component "dashboards"; choose another, e.g. team-applied',
      'teams.research.namespace: reserved by component "kserve"; choose another, e.g. team-research',
    ]);
  });

  test("the GPU Operator without GPU pools, or GPU pools without it, are errors", () => {
    expect(problems("laptop", { components: { "gpu-operator": { lifecycle: "managed" } } })).toEqual([
      'components.gpu-operator.lifecycle: the GPU Operator needs a GPU pool, and no pool has gpu; use "disabled" or add a GPU pool',
    ]);
    expect(problems("laptop-gpu", { components: { "gpu-operator": { lifecycle: "disabled" } } })).toEqual([
      'components.gpu-operator.lifecycle: pools workers have GPUs, but without the GPU Operator (or an external device plugin) no pod can request them; use "managed" or "external"',
    ]);
  });

  test("on GKE the GPU Operator would be a second device plugin: it must be external", () => {
    expect(problems("gke-gpu", { components: { "gpu-operator": { lifecycle: "managed" } } })).toEqual([
      'components.gpu-operator.lifecycle: on GKE the node pools bring Google\'s driver installer and device plugin (with GPU sharing and MIG), and a second nvidia.com/gpu advertiser breaks nodes; use "external"',
    ]);
  });

  test("on AKS a mixed MIG layout gets one problem, which asks for a uniform layout rather than the mixed strategy", () => {
    expect(
      problems("aks-gpu", {
        pools: {
          t4: {
            gpu: {
              accelerator: "nvidia-a100-80gb",
              sharing: { mode: "mig", strategy: "single", layout: "all-balanced" },
            },
          },
        },
      }),
    ).toEqual([
      "pools.t4.gpu.sharing.layout: AKS gives every GPU of a node pool one MIG profile (gpu_instance); use a uniform layout of nvidia-a100-80gb: all-1g.10gb, all-1g.20gb, all-2g.20gb, all-3g.40gb, all-4g.40gb, all-7g.80gb, or a separate pool per MIG profile",
    ]);
  });

  test("a team's bucket in the managed object store is named after its namespace, so it may not take a platform bucket's name", () => {
    expect(problems("laptop", { teams: { default: { namespace: "models" } } })).toEqual([
      "teams.default.namespace: the team's bucket is named after its namespace, and \"models\" is already the platform's bucket (buckets.*); choose another namespace, e.g. team-default",
    ]);
    expect(problems("laptop", { teams: { default: { namespace: "ab" } } })).toEqual([
      "teams.default.namespace: the team's bucket is named after its namespace, and a bucket name has at least 3 characters; use a longer namespace",
    ]);
  });

  test("an external postgresql or object store needs its connection details", () => {
    expect(
      problems("laptop", {
        components: { postgresql: { lifecycle: "external" }, "object-store": { lifecycle: "external" } },
      }),
    ).toEqual([
      "external.objectStore: components.object-store is external: give endpoint, region and credentialsSecret",
      "external.postgresql: components.postgresql is external: give host, port, database and credentialsSecret",
    ]);
  });
});

/** The problems, with values, of a profile loaded with every check, or [] when it loads. */
function problemsOf(name: string, override: ProfileOverride): readonly Problem[] {
  try {
    loadCheckedProfile(name, override);
    return [];
  } catch (error) {
    if (error instanceof ProfileError) return error.problems;
    throw error;
  }
}

const GPU_TAINT = { key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" as const };
const SCALING = { nodes: 0, autoscaling: { min: 0, max: 2 }, taints: [GPU_TAINT] };

describe("loading a profile with every check", () => {
  test("every cloud problem of the management cluster and of each MultiKueue worker comes back in the one error", () => {
    const override: ProfileOverride = {
      components: { "gpu-operator": { lifecycle: "managed" } },
      pools: {
        // Two pools with a GPU count no EC2 type of their accelerator has.
        l4: { ...SCALING, gpu: { accelerator: "nvidia-l4", perNode: 2, sharing: { mode: "none" } } },
        t4: { ...SCALING, gpu: { accelerator: "nvidia-t4", perNode: 2, sharing: { mode: "none" } } },
        // An L4 instance type for an A10G pool.
        a10g: {
          ...SCALING,
          instanceType: "g6.xlarge",
          gpu: { accelerator: "nvidia-a10g", perNode: 1, sharing: { mode: "none" } },
        },
      },
      workers: {
        // An A100 machine type for the GKE worker's L4 pool.
        gke: { pools: { "gke-l4": { instanceType: "a2-highgpu-1g" } } },
        // A MIG layout AKS cannot cut: it gives every GPU of a pool one profile.
        aks: {
          pools: {
            aksa100: {
              ...SCALING,
              gpu: {
                accelerator: "nvidia-a100-80gb",
                perNode: 1,
                sharing: { mode: "mig", strategy: "single", layout: "all-balanced" },
              },
            },
          },
        },
      },
    };
    expect(problemsOf("multicloud-gpu", override)).toEqual([
      // The profile rules' own view of the same layout comes first.
      {
        path: "pools.a10g.instanceType",
        value: "g6.xlarge",
        allowed:
          "g6.xlarge carries 1 × nvidia-l4, but the pool's gpu asks for 1 × nvidia-a10g; pick g5.xlarge, or change the pool's gpu to 1 × nvidia-l4",
      },
      {
        path: "pools.l4.gpu.perNode",
        value: 2,
        allowed:
          "EKS's EC2 instance types with nvidia-l4: g6.xlarge (1), g6.12xlarge (4), g6.48xlarge (8); " +
          "use one of those GPU counts, or give the pool an instanceType with 2 × nvidia-l4",
      },
      {
        path: "pools.t4.gpu.perNode",
        value: 2,
        allowed:
          "EKS's EC2 instance types with nvidia-t4: g4dn.xlarge (1), g4dn.12xlarge (4); " +
          "use one of those GPU counts, or give the pool an instanceType with 2 × nvidia-t4",
      },
      {
        path: "workers.aks.pools.aksa100.gpu.sharing.layout",
        value: "all-balanced",
        allowed:
          "AKS gives every GPU of a node pool one MIG profile (gpu_instance); use a uniform layout of nvidia-a100-80gb: " +
          "all-1g.10gb, all-1g.20gb, all-2g.20gb, all-3g.40gb, all-4g.40gb, all-7g.80gb, or a separate pool per MIG profile",
      },
      {
        path: "workers.gke.pools.gke-l4.instanceType",
        value: "a2-highgpu-1g",
        allowed:
          "a2-highgpu-1g carries 1 × nvidia-a100-40gb, but the pool's gpu asks for 1 × nvidia-l4; pick g2-standard-4, " +
          "or change the pool's gpu to 1 × nvidia-a100-40gb",
      },
    ]);
  });

  test("the error's message lists each problem with its path, the value as given and the fix", () => {
    expect(() => loadCheckedProfile("gke-gpu", { pools: { l4: { gpu: { perNode: 3 } } } })).toThrow(
      /^Profile "gke-gpu" is invalid \(1 problem\); nothing was synthesized:\n {2}- pools\.l4\.gpu\.perNode: got 3; GKE's machine types with nvidia-l4: g2-standard-4 \(1\), g2-standard-24 \(2\), g2-standard-48 \(4\), g2-standard-96 \(8\); use one of those GPU counts, or give the pool an instanceType with 3 × nvidia-l4$/,
    );
  });
});
