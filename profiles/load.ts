/**
 * Loading a profile: shared defaults ← the profile ← an optional override file, merged with the one
 * merge rule, then checked against the schema and the cross-field rules. Every problem is collected
 * into one ProfileError; nothing is returned half-valid.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { DEFAULTS } from "./defaults";
import { DEFAULT_PROFILE, PROFILES } from "./index";
import { deepMerge, isPlainObject } from "./merge";
import type { Problem } from "./problems";
import { ProfileError } from "./problems";
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

/** Reads a fork's override file (`.yaml`, `.yml` or `.json`): a partial profile applied over the selected profile. */
export function readOverridesFile(path: string): unknown {
  const extension = extname(path).toLowerCase();
  if (![".yaml", ".yml", ".json"].includes(extension)) {
    throw new Error(`CNAI_OVERRIDES="${path}": expected a .yaml, .yml or .json file.`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`CNAI_OVERRIDES="${path}": cannot read the file (${(error as Error).message}).`);
  }
  let parsed: unknown;
  try {
    parsed = extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(
      `CNAI_OVERRIDES="${path}": not valid ${extension === ".json" ? "JSON" : "YAML"} (${(error as Error).message}).`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new Error(
      `CNAI_OVERRIDES="${path}": expected a mapping of profile keys at the top level, got ${typeof parsed}.`,
    );
  }
  return parsed;
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
  const merged = deepMerge<unknown>(DEFAULTS, base, override);
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
