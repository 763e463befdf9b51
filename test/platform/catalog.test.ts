import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadCheckedProfile } from "../../platform/check";
import { CATALOG } from "../../platform/catalog";
import type { ComponentDefinition } from "../../platform/component";
import { contextFor } from "../../platform/graph";
import { workerNames, workerProfile } from "../../platform/multicluster";
import { teamNames, teamNamespace } from "../../profiles/plan";
import { PROFILES } from "../../profiles/index";
import type { Profile } from "../../profiles/schema";

const COMPONENTS_DIR = resolve(__dirname, "../../platform/components");

function isComponent(value: unknown): value is ComponentDefinition {
  if (value === null || typeof value !== "object") return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.id === "string" && typeof candidate.steps === "function";
}

/** Every shipped profile, and each MultiKueue worker's derived profile: the clusters the catalog is built for. */
const CLUSTERS: Profile[] = Object.keys(PROFILES).flatMap((name) => {
  const profile = loadCheckedProfile(name);
  return [profile, ...workerNames(profile).map((worker) => workerProfile(profile, worker))];
});

describe("the component catalog", () => {
  test("every component defined under platform/components is in the catalog", () => {
    const defined = readdirSync(COMPONENTS_DIR)
      .filter((file) => file.endsWith(".ts"))
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- each module is loaded to see what it exports
      .flatMap((file) => Object.values(require(join(COMPONENTS_DIR, file)) as Record<string, unknown>))
      .filter(isComponent);
    expect(defined.length).toBeGreaterThan(10);
    expect(defined.filter((component) => !CATALOG.includes(component)).map((c) => c.id)).toEqual([]);
  });

  test("ids are unique DNS labels", () => {
    const ids = CATALOG.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(id))).toEqual([]);
  });

  test("every dependency names a component of the catalog", () => {
    const ids = new Set(CATALOG.map((c) => c.id));
    const unknown = CLUSTERS.flatMap((profile) =>
      CATALOG.flatMap((c) =>
        c
          .dependencies(profile)
          .filter((d) => !ids.has(d.id))
          .map((d) => `${c.id} -> ${d.id}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  test("every namespace a managed component creates or installs into is one it reserves, or a team namespace", () => {
    const undeclared = CLUSTERS.flatMap((profile) => {
      const ctx = contextFor(profile);
      const teamNamespaces = new Set(teamNames(profile).map((team) => teamNamespace(team, profile.teams[team])));
      return CATALOG.filter((c) => ctx.lifecycle(c.id) === "managed").flatMap((c) => {
        const used = [...c.namespaces(ctx).map((ns) => ns.name), ...c.steps(ctx).map((step) => step.namespace)];
        return used
          .filter((ns) => !c.reservedNamespaces.includes(ns) && !teamNamespaces.has(ns))
          .map((ns) => `${profile.name}: ${c.id} uses ${ns}`);
      });
    });
    expect([...new Set(undeclared)]).toEqual([]);
  });

  test("every service teams may reach, or that reaches into teams, has a port and lives in a namespace its component reserves", () => {
    const wrong = CLUSTERS.flatMap((profile) => {
      const ctx = contextFor(profile);
      return CATALOG.flatMap((c) =>
        [...(c.teamEgress?.(ctx) ?? []), ...(c.teamIngress?.(ctx) ?? [])]
          .filter(
            (peer) =>
              peer.ports.length === 0 ||
              peer.ports.some((port) => !Number.isInteger(port) || port < 1 || port > 65535) ||
              !c.reservedNamespaces.includes(peer.namespace),
          )
          .map((peer) => `${profile.name}: ${c.id} -> ${JSON.stringify(peer)}`),
      );
    });
    expect(wrong).toEqual([]);
  });

  test("the shared services run on the management cluster only, and the job machinery on every cluster", () => {
    const byPlacement = (placement: string) =>
      CATALOG.filter((c) => c.placement === placement)
        .map((c) => c.id)
        .sort();
    expect(byPlacement("every-cluster")).toEqual([
      "dra-driver",
      "gpu-operator",
      "jobset",
      "kepler",
      "kubeflow-trainer",
      "kuberay",
      "kueue",
      "observability",
      "tenancy",
    ]);
    expect(byPlacement("management-only")).toEqual([
      "argo-workflows",
      "cert-manager",
      "feast",
      "keda",
      "kserve",
      "mlflow",
      "multikueue",
      "notebooks",
      "object-store",
      "opentelemetry-collector",
      "opentelemetry-operator",
      "postgres-operator",
      "postgresql",
      "samples",
      "spark-operator",
      "vector-database",
    ]);
  });
});
