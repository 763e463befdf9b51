import { z } from "zod";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import type { ComponentDefinition } from "../../platform/component";
import { ProfileError } from "../../profiles/problems";

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
const notebooks: ComponentDefinition = {
  id: "notebooks",
  title: "Notebooks",
  summary: "A test component with settings",
  defaultLifecycle: "disabled",
  reservedNamespaces: ["notebooks"],
  placement: "management-only",
  settings: z.strictObject({ idleMinutes: z.number().int().min(5).default(60) }),
  dependencies: () => [],
  namespaces: () => [{ name: "notebooks" }],
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
    const profile = loadCheckedProfile("laptop", undefined, [...CATALOG, notebooks]);
    expect(profile.components.notebooks).toBeUndefined();
    expect(problems("laptop", {}, [...CATALOG, notebooks])).toEqual([]);
  });

  test("a component's settings are checked against its own schema, with the path into them", () => {
    expect(
      problems("laptop", { components: { notebooks: { settings: { idleMinutes: 1, color: "red" } } } }, [
        ...CATALOG,
        notebooks,
      ]),
    ).toEqual([
      "components.notebooks.settings.color: unknown key; remove it",
      "components.notebooks.settings.idleMinutes: Too small: expected number to be >=5",
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
          teams: { research: { namespace: "kserve" }, applied: { namespace: "notebooks" } },
        },
        [...CATALOG, notebooks],
      ),
    ).toEqual([
      'teams.applied.namespace: reserved by component "notebooks"; choose another, e.g. team-applied',
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
