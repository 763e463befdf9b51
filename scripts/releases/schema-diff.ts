/**
 * What changed in the profile schema between two commits, from profiles/profile.schema.json at each, classified
 * for a fork: breaking (what a fork's profile said may now be refused, or it must now say more) or additive.
 * Paths are dotted as the loader's messages spell them, `*` for any record key or array item.
 */
import type { ProfileMigration } from "../../profiles/migrations";
import { pathMatches } from "../../profiles/migrations";

type Json = { [key: string]: unknown };

/** What the schema says about one path, merged over every union branch that reaches it. */
interface Facts {
  types: Set<string>;
  /** The allowed values (JSON text) where every branch restricts them; undefined when any value of the type goes. */
  values?: Set<string>;
  /** An object that refuses unknown keys in every branch. */
  closed: boolean;
  /** How many object branches were seen at this path, and how many of them the child key is required in. */
  objects: number;
  requiredIn: Map<string, number>;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks a JSON Schema and records the facts at every path. */
export function schemaFacts(schema: unknown): Map<string, Facts> {
  const facts = new Map<string, Facts>();
  const at = (path: string) => {
    let f = facts.get(path);
    if (!f) {
      f = { types: new Set(), closed: true, objects: 0, requiredIn: new Map() };
      facts.set(path, f);
    }
    return f;
  };
  const unrestricted = new Set<string>();
  const walk = (node: unknown, path: string) => {
    if (!isObject(node)) return;
    const f = at(path);
    for (const key of ["anyOf", "oneOf", "allOf"]) {
      if (Array.isArray(node[key])) for (const branch of node[key] as unknown[]) walk(branch, path);
    }
    const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
    for (const t of types) f.types.add(String(t));
    const values = "const" in node ? [node.const] : Array.isArray(node.enum) ? node.enum : undefined;
    if (values) {
      f.values ??= new Set();
      for (const v of values) f.values.add(JSON.stringify(v));
    } else if (types.length > 0) unrestricted.add(path);
    if (types.includes("object") || isObject(node.properties)) {
      f.objects += 1;
      const props = isObject(node.properties) ? node.properties : {};
      const required = Array.isArray(node.required) ? (node.required as string[]) : [];
      for (const name of required) f.requiredIn.set(name, (f.requiredIn.get(name) ?? 0) + 1);
      for (const [name, child] of Object.entries(props)) walk(child, path ? `${path}.${name}` : name);
      if (node.additionalProperties !== false) f.closed = false;
      if (isObject(node.additionalProperties)) walk(node.additionalProperties, path ? `${path}.*` : "*");
    }
    if (isObject(node.items)) walk(node.items, path ? `${path}.*` : "*");
  };
  walk(schema, "");
  for (const path of unrestricted) delete facts.get(path)!.values;
  return facts;
}

export type SchemaChangeKind = ProfileMigration["change"] | "added";

export interface SchemaChange {
  readonly path: string;
  readonly change: SchemaChangeKind;
  /** Whether a fork's profiles may stop loading. */
  readonly breaking: boolean;
  /** What changed, in words. */
  readonly detail: string;
}

/** Whether a path's key is required: required in every object branch of its parent. */
function isRequired(facts: Map<string, Facts>, path: string): boolean {
  const dot = path.lastIndexOf(".");
  const parent = facts.get(dot < 0 ? "" : path.slice(0, dot));
  const name = path.slice(dot + 1);
  return name !== "*" && parent !== undefined && parent.objects > 0 && parent.requiredIn.get(name) === parent.objects;
}

const list = (values: Iterable<string>) => [...values].sort().join(", ");

/** The changes from one schema to the next; only the topmost path of a key added or removed with its children. */
export function diffSchemas(before: unknown, after: unknown): SchemaChange[] {
  const old = schemaFacts(before);
  const now = schemaFacts(after);
  const changes: SchemaChange[] = [];
  const under = (path: string, parents: Set<string>) => [...parents].some((p) => p !== "" && path.startsWith(`${p}.`));
  const removed = new Set<string>();
  const added = new Set<string>();
  const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
  for (const path of paths) {
    const [o, n] = [old.get(path), now.get(path)];
    if (o && !n) {
      if (under(path, removed)) continue;
      removed.add(path);
      changes.push({ path, change: "removed", breaking: true, detail: "no longer accepted" });
    } else if (!o && n) {
      if (under(path, added)) continue;
      added.add(path);
      const required = isRequired(now, path);
      changes.push({
        path,
        change: required ? "required" : "added",
        breaking: required,
        detail: required ? "new and required" : "new, optional",
      });
    } else if (o && n) {
      if (!isRequired(old, path) && isRequired(now, path)) {
        changes.push({ path, change: "required", breaking: true, detail: "now required" });
      }
      const lost = [...o.types].filter((t) => !n.types.has(t) && !(t === "integer" && n.types.has("number")));
      if (lost.length > 0) {
        changes.push({
          path,
          change: "type",
          breaking: true,
          detail: `type ${list(o.types)} became ${list(n.types) || "none"}`,
        });
      }
      if (n.values && !o.values) {
        changes.push({ path, change: "values", breaking: true, detail: `now limited to ${list(n.values)}` });
      } else if (n.values && o.values) {
        const gone = [...o.values].filter((v) => !n.values!.has(v));
        const extra = [...n.values].filter((v) => !o.values!.has(v));
        if (gone.length > 0)
          changes.push({ path, change: "values", breaking: true, detail: `values removed: ${list(gone)}` });
        if (extra.length > 0)
          changes.push({ path, change: "added", breaking: false, detail: `values added: ${list(extra)}` });
      }
      if (!o.closed && n.closed && n.objects > 0) {
        changes.push({ path, change: "removed", breaking: true, detail: "unknown keys no longer accepted" });
      }
    }
  }
  return changes;
}

/** The breaking changes no migration of `release` explains (its path matches the change's path). */
export function missingMigrations(
  changes: readonly SchemaChange[],
  release: string,
  migrations: readonly ProfileMigration[],
): SchemaChange[] {
  return changes.filter(
    (c) => c.breaking && !migrations.some((m) => m.release === release && pathMatches(m.path, c.path)),
  );
}

/** The refusal for changes without a migration: each path, what changed, and the fix. */
export function missingMigrationsMessage(missing: readonly SchemaChange[], release: string): string {
  return [
    `The profile schema has ${missing.length} breaking change(s) without a migration for ${release}:`,
    ...missing.map((c) => `  - ${c.path || "(the profile)"} (${c.change}): ${c.detail}`),
    `Add an entry for each to MIGRATIONS in profiles/migrations.ts ({ release: "${release}", path, change, migration }) ` +
      "saying what a fork must change in its profiles and override files.",
  ].join("\n");
}
