import { loadProfile } from "../../profiles/load";
import { CATALOG } from "../../platform/catalog";
import type { ComponentDefinition, ComponentId, Step } from "../../platform/component";
import { graphProblems, planSteps, resolveGraph, topologicalSort } from "../../platform/graph";

/** A catalog of bare components with the given dependencies; everything else has none. */
function catalogWith(
  deps: Partial<Record<ComponentId, Array<{ id: string; optional?: boolean }>>>,
): ComponentDefinition[] {
  return CATALOG.map(({ id, defaultLifecycle }) => ({
    id,
    title: id,
    summary: id,
    defaultLifecycle,
    reservedNamespaces: [id],
    placement: "every-cluster" as const,
    dependencies: () => (deps[id] ?? []).map((d) => ({ id: d.id, optional: d.optional, reason: "test" })),
    namespaces: () => [{ name: id }],
    steps: (): Step[] => [
      { kind: "upstream", name: `${id}-a`, namespace: id, chart: "kueue", values: {} },
      { kind: "upstream", name: `${id}-b`, namespace: id, chart: "kueue", values: {}, after: [`${id}-a`] },
    ],
  }));
}

describe("topologicalSort", () => {
  test("orders dependencies first and breaks ties by name, whatever the input order", () => {
    const deps: Record<string, string[]> = { c: ["a"], b: ["a"], a: [], d: ["c", "b"] };
    expect(topologicalSort<string>(["d", "c", "b", "a"], (n) => deps[n])).toEqual(["a", "b", "c", "d"]);
    expect(topologicalSort<string>(["a", "b", "c", "d"], (n) => deps[n])).toEqual(["a", "b", "c", "d"]);
  });

  test("a cycle is an error naming the nodes involved", () => {
    expect(() =>
      topologicalSort<string>(["a", "b", "c"], (n) => ({ a: ["b"], b: ["a"], c: [] })[n] as string[]),
    ).toThrow(/Dependency cycle among: a, b/);
  });
});

describe("graphProblems", () => {
  test("two available components registering one APIService is a profile error naming both", () => {
    const adapter: ComponentDefinition = {
      ...(CATALOG.find((c) => c.id === "keda") as ComponentDefinition),
      id: "prometheus-adapter",
      reservedNamespaces: ["prometheus-adapter"],
      apiServices: () => ["v1beta1.external.metrics.k8s.io"],
    };
    const laptopProfile = loadProfile("laptop");
    expect(graphProblems([...CATALOG, adapter], laptopProfile)).toEqual([
      {
        path: "components.prometheus-adapter.lifecycle",
        value: "managed",
        allowed:
          'the APIService v1beta1.external.metrics.k8s.io is registered by "keda" and "prometheus-adapter", and a cluster serves it from one only; disable all but one of them',
      },
    ]);
    const kedaOff = loadProfile("laptop", { components: { keda: { lifecycle: "disabled" } } });
    expect(graphProblems([...CATALOG, adapter], kedaOff)).toEqual([]);
  });

  const laptop = loadProfile("laptop");

  test("a managed component depending on a disabled one names both", () => {
    const profile = loadProfile("laptop", { components: { "cert-manager": { lifecycle: "disabled" } } });
    const problems = graphProblems(catalogWith({ kserve: [{ id: "cert-manager" }] }), profile);
    expect(problems).toEqual([
      {
        path: "components.cert-manager.lifecycle",
        value: "disabled",
        allowed:
          '"kserve" is managed and needs "cert-manager" (test); make "cert-manager" managed or external, or disable "kserve"',
      },
    ]);
  });

  test("an optional dependency on a disabled component is no problem", () => {
    const profile = loadProfile("laptop", { components: { observability: { lifecycle: "disabled" } } });
    expect(graphProblems(catalogWith({ kueue: [{ id: "observability", optional: true }] }), profile)).toEqual([]);
  });

  test("an unknown dependency id is reported with the known ids", () => {
    const problems = graphProblems(catalogWith({ mlflow: [{ id: "postgres" }] }), laptop);
    expect(problems).toHaveLength(1);
    expect(problems[0].allowed).toMatch(
      /^"mlflow" depends on unknown component "postgres"; known: argo-workflows, cert-manager, dra-driver, feast, gpu-operator, jobset, keda, kepler, kserve, kubeflow-trainer, kuberay, /,
    );
  });

  test("a cycle is reported with its path", () => {
    const problems = graphProblems(catalogWith({ kueue: [{ id: "kuberay" }], kuberay: [{ id: "kueue" }] }), laptop);
    expect(problems).toEqual([
      {
        path: "components",
        value: ["kuberay", "kueue", "kuberay"],
        allowed: "dependency cycle kuberay -> kueue -> kuberay; a component cannot depend on itself through others",
      },
    ]);
  });

  test("a disabled component's dependencies are not checked", () => {
    const profile = loadProfile("laptop", {
      components: { kserve: { lifecycle: "disabled" }, "cert-manager": { lifecycle: "disabled" } },
    });
    expect(graphProblems(catalogWith({ kserve: [{ id: "cert-manager" }] }), profile)).toEqual([]);
  });
});

describe("resolveGraph and planSteps", () => {
  const laptop = loadProfile("laptop");

  test("components come after their dependencies regardless of catalog order", () => {
    const deps = { mlflow: [{ id: "postgresql" }, { id: "object-store" }], postgresql: [{ id: "postgres-operator" }] };
    const forward = resolveGraph(catalogWith(deps), laptop).order.map((c) => c.definition.id);
    const backward = resolveGraph([...catalogWith(deps)].reverse(), laptop).order.map((c) => c.definition.id);
    expect(forward).toEqual(backward);
    expect(forward.indexOf("postgres-operator")).toBeLessThan(forward.indexOf("postgresql"));
    expect(forward.indexOf("postgresql")).toBeLessThan(forward.indexOf("mlflow"));
    expect(forward.indexOf("object-store")).toBeLessThan(forward.indexOf("mlflow"));
  });

  test("a step waits for its component's earlier steps and the terminal steps of its dependencies", () => {
    const steps = planSteps(resolveGraph(catalogWith({ mlflow: [{ id: "postgresql" }] }), laptop));
    const byName = Object.fromEntries(steps.map((s) => [s.step.name, s.after]));
    expect(byName["mlflow-a"]).toEqual(["postgresql-b"]);
    expect(byName["mlflow-b"]).toEqual(["mlflow-a", "postgresql-b"]);
    expect(byName["postgresql-a"]).toEqual([]);
  });

  test("disabled and external components contribute no steps, and nothing waits on them", () => {
    const profile = loadProfile("laptop", {
      components: { postgresql: { lifecycle: "external" }, observability: { lifecycle: "disabled" } },
      external: { postgresql: { host: "db.example.com", port: 5432, database: "mlflow", credentialsSecret: "db" } },
    });
    const steps = planSteps(resolveGraph(catalogWith({ mlflow: [{ id: "postgresql" }] }), profile));
    const names = steps.map((s) => s.step.name);
    expect(names).not.toContain("postgresql-a");
    expect(names).not.toContain("observability-a");
    expect(steps.find((s) => s.step.name === "mlflow-a")?.after).toEqual([]);
  });

  test("a step waiting for a step of another component is refused", () => {
    const catalog = catalogWith({});
    const kueue = catalog.find((c) => c.id === "kueue") as ComponentDefinition;
    const broken: ComponentDefinition = {
      ...kueue,
      steps: () => [
        { kind: "upstream", name: "kueue-a", namespace: "kueue", chart: "kueue", values: {}, after: ["mlflow-a"] },
      ],
    };
    const withBroken = catalog.map((c) => (c.id === "kueue" ? broken : c));
    expect(() => planSteps(resolveGraph(withBroken, laptop))).toThrow(
      /Step "kueue-a" of component "kueue" waits for "mlflow-a", which is not a step of "kueue"/,
    );
  });
});
