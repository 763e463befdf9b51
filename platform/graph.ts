/**
 * The computed install order. Components declare dependencies by id; this module checks them
 * (unknown ids, cycles, managed-on-disabled) and sorts components and their steps topologically.
 * Ties are broken by id, so the order never depends on the order of any list.
 */
import type { Problem } from "../profiles/problems";
import type { Lifecycle, Profile } from "../profiles/schema";
import { CATALOG } from "./catalog";
import type { ComponentContext, ComponentDefinition, ComponentId, Step } from "./component";

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

/**
 * The view components get of a profile: lifecycles with the catalog's defaults filled in, and typed
 * settings. Call it on a profile whose `components` passed `componentProblems`.
 */
export function contextFor(profile: Profile, catalog: readonly ComponentDefinition[] = CATALOG): ComponentContext {
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const lifecycle = (id: ComponentId): Lifecycle => {
    const component = byId.get(id);
    if (component === undefined)
      throw new Error(`No component "${id}" in the catalog; known: ${[...byId.keys()].join(", ")}`);
    return profile.components[id]?.lifecycle ?? component.defaultLifecycle;
  };
  return {
    profile,
    catalog,
    lifecycle,
    isAvailable: (id) => lifecycle(id) !== "disabled",
    settings: <T>(id: ComponentId): T => {
      const schema = byId.get(id)?.settings;
      if (schema === undefined) throw new Error(`Component "${id}" declares no settings schema`);
      return schema.parse(profile.components[id]?.settings ?? {}) as T;
    },
  };
}

/**
 * Problems of the profile's `components` map against the catalog: ids the catalog does not have, and
 * settings that do not match a component's schema (or settings for a component that has none).
 */
export function componentProblems(catalog: readonly ComponentDefinition[], profile: Profile): Problem[] {
  const byId = new Map(catalog.map((c) => [c.id, c]));
  const problems: Problem[] = [];
  for (const [id, given] of Object.entries(profile.components).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const component = byId.get(id);
    if (component === undefined) {
      problems.push({
        path: `components.${id}`,
        value: given,
        allowed: `no component "${id}" in the catalog (platform/catalog.ts); known: ${[...byId.keys()].sort().join(", ")}`,
      });
      continue;
    }
    if (given.settings === undefined) continue;
    if (component.settings === undefined) {
      problems.push({
        path: `components.${id}.settings`,
        value: given.settings,
        allowed: `"${id}" has no settings; remove the key`,
      });
      continue;
    }
    const parsed = component.settings.safeParse(given.settings);
    if (!parsed.success) {
      const found: Problem[] = [];
      const valueAt = (path: readonly PropertyKey[]): unknown =>
        path.reduce<unknown>(
          (value, key) => (value as Record<PropertyKey, unknown> | undefined)?.[key],
          given.settings,
        );
      for (const issue of parsed.error.issues) {
        const at = (path: readonly PropertyKey[]) => [`components.${id}.settings`, ...path.map(String)].join(".");
        if (issue.code === "unrecognized_keys") {
          for (const key of issue.keys) {
            found.push({
              path: at([...issue.path, key]),
              value: valueAt([...issue.path, key]),
              allowed: "unknown key; remove it",
            });
          }
        } else {
          found.push({ path: at(issue.path), value: valueAt(issue.path), allowed: issue.message });
        }
      }
      problems.push(...found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    }
  }
  return problems;
}

/** Problems of the component graph for a profile, phrased for the profile's author. */
export function graphProblems(catalog: readonly ComponentDefinition[], profile: Profile): Problem[] {
  const problems: Problem[] = [];
  const known = new Map(catalog.map((c) => [c.id, c]));
  const ctx = contextFor(profile, catalog);
  for (const component of catalog) {
    const lifecycle = ctx.lifecycle(component.id);
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
      const targetLifecycle = ctx.lifecycle(dependency.id);
      if (targetLifecycle === "disabled" && !dependency.optional) {
        problems.push({
          path: `components.${dependency.id}.lifecycle`,
          value: targetLifecycle,
          allowed: `"${component.id}" is ${lifecycle} and needs "${dependency.id}" (${dependency.reason}); make "${dependency.id}" managed or external, or disable "${component.id}"`,
        });
      }
    }
  }
  for (const component of catalog) problems.push(...(component.problems?.(ctx) ?? []));
  problems.push(...apiServiceProblems(catalog, ctx));
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

/**
 * Two available components that register the same aggregated APIService: the API server routes a group version
 * to one service only, so the second install would take it from the first (e.g. KEDA and prometheus-adapter
 * both serving `v1beta1.external.metrics.k8s.io`).
 */
function apiServiceProblems(catalog: readonly ComponentDefinition[], ctx: ComponentContext): Problem[] {
  const owners = new Map<string, ComponentId[]>();
  for (const component of catalog) {
    if (!ctx.isAvailable(component.id)) continue;
    for (const name of component.apiServices?.(ctx) ?? [])
      owners.set(name, [...(owners.get(name) ?? []), component.id]);
  }
  return [...owners]
    .filter(([, ids]) => ids.length > 1)
    .map(([name, ids]) => ({
      path: `components.${ids[1]}.lifecycle`,
      value: ctx.lifecycle(ids[1]),
      allowed: `the APIService ${name} is registered by ${ids.map((id) => `"${id}"`).join(" and ")}, and a cluster serves it from one only; disable all but one of them`,
    }));
}

/** Resolves the graph; call only after `graphProblems` returned nothing. */
export function resolveGraph(catalog: readonly ComponentDefinition[], profile: Profile): ResolvedGraph {
  const context = contextFor(profile, catalog);
  const edges = new Map<ComponentId, ComponentId[]>();
  for (const component of catalog) edges.set(component.id, enabledDependencies(component, context));
  const order = topologicalSort(
    catalog.map((c) => c.id),
    (id) => edges.get(id) ?? [],
  );
  const byId = new Map(catalog.map((c) => [c.id, c]));
  return {
    context,
    order: order.map((id) => ({
      definition: byId.get(id) as ComponentDefinition,
      lifecycle: context.lifecycle(id),
      dependsOn: edges.get(id) ?? [],
    })),
  };
}

function enabledDependencies(component: ComponentDefinition, ctx: ComponentContext): ComponentId[] {
  const known = new Set(ctx.catalog.map((c) => c.id));
  if (ctx.lifecycle(component.id) === "disabled") return [];
  return component
    .dependencies(ctx.profile)
    .filter((d) => known.has(d.id) && ctx.lifecycle(d.id) !== "disabled")
    .map((d) => d.id);
}

function findCycle(catalog: readonly ComponentDefinition[], profile: Profile): ComponentId[] | undefined {
  const ctx = contextFor(profile, catalog);
  const edges = new Map(catalog.map((c) => [c.id, enabledDependencies(c, ctx)]));
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
