/**
 * Loading a profile: shared defaults ← the profile ← an optional override file, merged with the one
 * merge rule, then checked against the schema and the cross-field rules. Every problem is collected
 * into one ProfileError; nothing is returned half-valid.
 */
import { readFileSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { DEFAULTS } from "./defaults";
import { DEFAULT_PROFILE, PROFILES } from "./index";
import { isPlainObject, mergeProfileLayers } from "./merge";
import { inputProblems, MAX_DEPTH } from "./input";
import type { Problem } from "./problems";
import { ProfileError, show } from "./problems";
import type { Profile } from "./schema";
import { profileSchema } from "./schema";
import { profileRules } from "./rules";

/** Turns `CNAI_PROFILE` into profile names: a name, `all`, or empty for the default. */
export function selectProfiles(selector: string | undefined): string[] {
  const wanted = selector?.trim() || DEFAULT_PROFILE;
  const known = Object.keys(PROFILES);
  if (wanted === "all") return known;
  if (!known.includes(wanted)) {
    throw new Error(`Unknown profile "${wanted}" (CNAI_PROFILE). Known profiles: ${known.join(", ")}, or "all".`);
  }
  return [wanted];
}

/** The largest override file read; a profile override is a few kilobytes. */
export const MAX_OVERRIDES_BYTES = 1024 * 1024;

/**
 * Reads a fork's override file (`.yaml`, `.yml` or `.json`): a partial profile applied over the selected
 * profile. A relative path is resolved against the directory the command was started from (`INIT_CWD`,
 * which npm sets, or the working directory). Only regular files are read, so a named pipe or a device
 * fails at once instead of blocking.
 */
export function readOverridesFile(given: string, startDir = process.env.INIT_CWD ?? process.cwd()): unknown {
  const label = `CNAI_OVERRIDES="${given}"`;
  const path = resolve(startDir, given);
  const extension = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(extension)) {
    throw new Error(`${label}: expected a .yaml, .yml or .json file.`);
  }
  let text: string;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    if (stat.size > MAX_OVERRIDES_BYTES) {
      throw new Error(`${path} has ${stat.size} bytes; an override file may have at most ${MAX_OVERRIDES_BYTES}`);
    }
    // A byte-order mark is legal in both formats' files but not in JSON text: drop it for both alike.
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (error) {
    throw new Error(`${label}: cannot read the file (${(error as Error).message}).`);
  }
  let parsed: unknown;
  try {
    parsed = extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const reason =
      error instanceof RangeError
        ? `nested too deeply to parse; input may nest at most ${MAX_DEPTH} levels`
        : (error as Error).message;
    throw new Error(`${label}: not valid ${extension === ".json" ? "JSON" : "YAML"} (${reason}).`);
  }
  if (!isPlainObject(parsed)) {
    throw new Error(`${label}: expected a mapping of profile keys at the top level, got ${describeTopLevel(parsed)}.`);
  }
  const problems = inputProblems(parsed);
  if (problems.length > 0) {
    throw new Error(
      `${label}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${path}:\n` +
        problems.map((p) => `  - ${p.path || "(root)"}: got ${show(p.value)}; ${p.allowed}`).join("\n"),
    );
  }
  return parsed;
}

function describeTopLevel(value: unknown): string {
  if (value === null || value === undefined) return "an empty document";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value} (${show(value)})`;
}

/**
 * An override whose `cluster.provider` differs from the profile's replaces the cluster whole (a kind
 * cluster's keys mean nothing to a kubeconfig cluster), so the base's cluster is dropped before the merge.
 */
function withoutClusterOnProviderChange(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override) || !isPlainObject(override.cluster)) return base;
  if (!isPlainObject(base.cluster) || override.cluster.provider === undefined) return base;
  if (override.cluster.provider === base.cluster.provider) return base;
  const { cluster: _replaced, ...rest } = base;
  void _replaced;
  return rest;
}

/**
 * Builds and validates a profile. `extraChecks` adds problems found by later layers (the component
 * graph) so the user still gets one error listing everything.
 */
export function loadProfile(
  name: string,
  override?: unknown,
  extraChecks: (profile: Profile) => readonly Problem[] = () => [],
): Profile {
  const base = PROFILES[name];
  if (base === undefined) {
    throw new Error(`Unknown profile "${name}". Known profiles: ${Object.keys(PROFILES).join(", ")}.`);
  }
  const inputs = [...inputProblems(base), ...inputProblems(override)];
  if (inputs.length > 0) throw new ProfileError(name, inputs);
  const merged = mergeProfileLayers(DEFAULTS, withoutClusterOnProviderChange(base, override), override);
  const parsed = profileSchema.safeParse(merged, { reportInput: true });
  const profileName = isPlainObject(merged) && typeof merged.name === "string" ? merged.name : name;
  if (!parsed.success)
    throw new ProfileError(
      profileName,
      parsed.error.issues.flatMap((i) => toProblems(i, merged)),
    );
  const problems = [...profileRules(parsed.data), ...extraChecks(parsed.data)];
  if (problems.length > 0) throw new ProfileError(profileName, problems);
  return parsed.data;
}

function toProblems(issue: z.core.$ZodIssue, input: unknown): Problem[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(path, input);
    return issue.keys.map((key) => ({
      path: [...path, key].join("."),
      value: valueAt(input, [...path, key]),
      allowed: `unknown key; allowed keys here: ${allowed.join(", ")}`,
    }));
  }
  if (issue.code === "invalid_key") {
    return [{ path: path.join("."), value: path.at(-1), allowed: issue.issues.map((i) => i.message).join("; ") }];
  }
  let allowed = issue.message;
  if (issue.code === "invalid_type") allowed = `expected ${issue.expected}`;
  if (issue.code === "invalid_value")
    allowed = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  if (issue.code === "invalid_format" && "pattern" in issue) allowed = `expected ${issue.message}`;
  return [{ path: path.join("."), value: valueAt(input, path), allowed }];
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The keys the schema allows at a path, for "unknown key" messages (unions resolved by the input's values). */
function allowedKeysAt(path: readonly string[], input: unknown): string[] {
  let schema: z.core.$ZodType = profileSchema;
  for (let depth = 0; depth <= path.length; depth++) {
    schema = resolveUnion(schema, valueAt(input, path.slice(0, depth)));
    if (depth === path.length) break;
    const next = childSchema(schema, path[depth]);
    if (next === undefined) return [];
    schema = next;
  }
  const def = unwrap(schema)._zod.def;
  return def.type === "object" ? Object.keys((def as z.core.$ZodObjectDef).shape) : [];
}

/** For a union, the option whose literal fields (e.g. `provider: "eks"`) match the value. */
function resolveUnion(schema: z.core.$ZodType, value: unknown): z.core.$ZodType {
  const inner = unwrap(schema);
  const def = inner._zod.def;
  if (def.type !== "union") return inner;
  const options = (def as z.core.$ZodUnionDef).options;
  const matches = options.find((option) => {
    const optionDef = unwrap(option)._zod.def;
    if (optionDef.type !== "object" || !isPlainObject(value)) return false;
    return Object.entries((optionDef as z.core.$ZodObjectDef).shape).every(([key, field]) => {
      const fieldDef = field._zod.def;
      return (
        fieldDef.type !== "literal" ||
        (fieldDef as z.core.$ZodLiteralDef<z.core.util.Literal>).values.includes(value[key] as never)
      );
    });
  });
  return matches ?? inner;
}

function childSchema(schema: z.core.$ZodType, key: string): z.core.$ZodType | undefined {
  const def = unwrap(schema)._zod.def;
  if (def.type === "object") return (def as z.core.$ZodObjectDef).shape[key];
  if (def.type === "array") return (def as z.core.$ZodArrayDef).element;
  if (def.type === "record") return (def as z.core.$ZodRecordDef).valueType;
  return undefined;
}

function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  while (current._zod.def.type === "optional" || current._zod.def.type === "default") {
    current = (current._zod.def as z.core.$ZodOptionalDef | z.core.$ZodDefaultDef).innerType;
  }
  return current;
}
