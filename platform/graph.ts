/**
 * The computed install order. Components declare dependencies by id; this module checks them
 * (unknown ids, cycles, managed-on-disabled) and sorts components and their steps topologically.
 * Ties are broken by id, so the order never depends on the order of any list.
 */
import type { Problem } from "../profiles/problems";
import type { ComponentId, Lifecycle, Profile } from "../profiles/schema";
import type { ComponentContext, ComponentDefinition, Step } from "./component";

export interface ResolvedComponent {
  readonly definition: ComponentDefinition;
  readonly lifecycle: Lifecycle;
  /** Ids of enabled components it depends on (optional ones only when enabled). */
  readonly dependsOn: readonly ComponentId[];
}

export interface ResolvedGraph {
  /** Every component of the catalog with its lifecycle, in install order. */
  readonly order: readonly ResolvedComponent[];
  readonly context: ComponentContext;
}

export function contextFor(profile: Profile): ComponentContext {
  return {
    profile,
    lifecycle: (id) => profile.components[id].lifecycle,
    isAvailable: (id) => profile.components[id].lifecycle !== "disabled",
  };
}

/** Problems of the component graph for a profile, phrased for the profile's author. */
export function graphProblems(catalog: readonly ComponentDefinition[], profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const known = new Map(catalog.map((c) => [c.id, c]));
  for (const component of catalog) {
    const lifecycle = profile.components[component.id].lifecycle;
    if (lifecycle === "disabled") continue;
    for (const dependency of component.dependencies(profile)) {
      const target = known.get(dependency.id);
      if (target === undefined) {
        problems.push({
          path: `components.${component.id}`,
          value: dependency.id,
          allowed: `"${component.id}" depends on unknown component "${dependency.id}"; known: ${[...known.keys()].join(", ")}`,
        });
        continue;
      }
      const targetLifecycle = profile.components[dependency.id].lifecycle;
      if (targetLifecycle === "disabled" && !dependency.optional) {
        problems.push({
          path: `components.${dependency.id}.lifecycle`,
          value: targetLifecycle,
          allowed: `"${component.id}" is ${lifecycle} and needs "${dependency.id}" (${dependency.reason}); make "${dependency.id}" managed or external, or disable "${component.id}"`,
        });
      }
    }
  }
  const cycle = findCycle(catalog, profile);
  if (cycle !== undefined) {
    problems.push({
      path: "components",
      value: cycle,
      allowed: `dependency cycle ${cycle.join(" -> ")}; a component cannot depend on itself through others`,
    });
  }
  return problems;
}

/** Resolves the graph; call only after `graphProblems` returned nothing. */
export function resolveGraph(catalog: readonly ComponentDefinition[], profile: Profile): ResolvedGraph {
  const edges = new Map<ComponentId, ComponentId[]>();
  for (const component of catalog) edges.set(component.id, enabledDependencies(component, profile));
  const order = topologicalSort(
    catalog.map((c) => c.id),
    (id) => edges.get(id) ?? [],
  );
  const byId = new Map(catalog.map((c) => [c.id, c]));
  return {
    context: contextFor(profile),
    order: order.map((id) => ({
      definition: byId.get(id) as ComponentDefinition,
      lifecycle: profile.components[id].lifecycle,
      dependsOn: edges.get(id) ?? [],
    })),
  };
}

function enabledDependencies(component: ComponentDefinition, profile: Profile): ComponentId[] {
  if (profile.components[component.id].lifecycle === "disabled") return [];
  return component
    .dependencies(profile)
    .filter((d) => profile.components[d.id]?.lifecycle !== "disabled")
    .map((d) => d.id);
}

function findCycle(catalog: readonly ComponentDefinition[], profile: Profile): ComponentId[] | undefined {
  const edges = new Map(catalog.map((c) => [c.id, enabledDependencies(c, profile)]));
  const state = new Map<ComponentId, "visiting" | "done">();
  const stack: ComponentId[] = [];
  const visit = (id: ComponentId): ComponentId[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const next of [...(edges.get(id) ?? [])].sort()) {
      if (!edges.has(next)) continue;
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const id of [...edges.keys()].sort()) {
    const found = visit(id);
    if (found) return found;
  }
  return undefined;
}

/**
 * Kahn's algorithm with a sorted ready set: deterministic, and independent of input order.
 * Throws on a cycle (callers check for cycles first and report them as profile problems).
 */
export function topologicalSort<T extends string>(nodes: readonly T[], dependenciesOf: (node: T) => readonly T[]): T[] {
  const remaining = new Map(nodes.map((n) => [n, new Set(dependenciesOf(n).filter((d) => nodes.includes(d)))]));
  const result: T[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining.entries()]
      .filter(([, deps]) => deps.size === 0)
      .map(([n]) => n)
      .sort();
    if (ready.length === 0) throw new Error(`Dependency cycle among: ${[...remaining.keys()].sort().join(", ")}`);
    for (const node of ready) {
      remaining.delete(node);
      result.push(node);
      for (const deps of remaining.values()) deps.delete(node);
    }
  }
  return result;
}

/** A step with everything it must wait for: earlier steps of its component and the last steps of its dependencies. */
export interface PlannedStep {
  readonly component: ComponentId;
  readonly step: Step;
  readonly after: readonly string[];
}

/**
 * Expands the component order into release steps. Within a component, `after` orders the steps; a
 * step waits for the terminal steps (those nothing else in the component waits for) of every
 * component its component depends on. External components contribute no steps.
 */
export function planSteps(graph: ResolvedGraph): PlannedStep[] {
  const terminals = new Map<ComponentId, string[]>();
  const planned: PlannedStep[] = [];
  const names = new Set<string>();
  for (const resolved of graph.order) {
    const id = resolved.definition.id;
    if (resolved.lifecycle !== "managed") {
      terminals.set(id, []);
      continue;
    }
    const steps = resolved.definition.steps(graph.context);
    const local = new Set(steps.map((s) => s.name));
    const upstream = resolved.dependsOn.flatMap((dep) => terminals.get(dep) ?? []);
    for (const step of steps) {
      if (names.has(step.name)) throw new Error(`Step name "${step.name}" of component "${id}" is used twice`);
      names.add(step.name);
      for (const previous of step.after ?? []) {
        if (!local.has(previous)) {
          throw new Error(
            `Step "${step.name}" of component "${id}" waits for "${previous}", which is not a step of "${id}"`,
          );
        }
      }
    }
    const ordered = topologicalSort(
      steps.map((s) => s.name),
      (name) => steps.find((s) => s.name === name)?.after ?? [],
    );
    for (const name of ordered) {
      const step = steps.find((s) => s.name === name) as Step;
      planned.push({ component: id, step, after: [...upstream, ...(step.after ?? [])].sort() });
    }
    const waitedOn = new Set(steps.flatMap((s) => s.after ?? []));
    terminals.set(
      id,
      ordered.filter((name) => !waitedOn.has(name)),
    );
  }
  return planned;
}
