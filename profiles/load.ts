/**
 * Loading a profile: shared defaults ← the profile ← an optional override file, merged with the one
 * merge rule, then checked against the schema and the cross-field rules. Every problem is collected
 * into one ProfileError; nothing is returned half-valid.
 */
import { resolve } from "node:path";
import type { z } from "zod";
import { DEFAULTS } from "./defaults";
import { readProfileDocument } from "./files";
import { allProfiles, withoutClusterOnProviderChange } from "./fork";
import { DEFAULT_PROFILE, PROFILES } from "./index";
import { isPlainObject, mergeProfileLayers } from "./merge";
import { inputProblems } from "./input";
import { MIGRATIONS, migrationsFor } from "./migrations";
import type { Problem } from "./problems";
import { ProfileError } from "./problems";
import type { ProfileOverride } from "./schema";
import type { Profile } from "./schema";
import { profileSchema } from "./schema";
import { profileRules } from "./rules";

/** Turns `CNAI_PROFILE` into profile names: a name, `all` (ours and the fork's), or empty for the default. */
export function selectProfiles(selector: string | undefined, profiles = allProfiles()): string[] {
  const wanted = selector?.trim() || DEFAULT_PROFILE;
  const known = Object.keys(profiles);
  if (wanted === "all") return known;
  if (!known.includes(wanted)) {
    throw new Error(`Unknown profile "${wanted}" (CNAI_PROFILE). Known profiles: ${known.join(", ")}, or "all".`);
  }
  return [wanted];
}

/**
 * Reads a fork's override file (`.yaml`, `.yml` or `.json`): a partial profile applied over the selected
 * profile. A relative path is resolved against the directory the command was started from (`INIT_CWD`,
 * which npm sets, or the working directory).
 */
export function readOverridesFile(given: string, startDir = process.env.INIT_CWD ?? process.cwd()): unknown {
  return readProfileDocument(resolve(startDir, given), `CNAI_OVERRIDES="${given}"`);
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
  // The fork's files are read only for a name that is not ours, so a broken fork file never stops our profiles.
  const base: ProfileOverride | undefined = PROFILES[name] ?? allProfiles()[name];
  if (base === undefined) {
    throw new Error(`Unknown profile "${name}". Known profiles: ${Object.keys(allProfiles()).join(", ")}.`);
  }
  const inputs = [...inputProblems(base), ...inputProblems(override)];
  if (inputs.length > 0) throw new ProfileError(name, inputs);
  const merged = mergeProfileLayers(DEFAULTS, withoutClusterOnProviderChange(base, override), override);
  const parsed = profileSchema.safeParse(merged, { reportInput: true });
  const profileName = isPlainObject(merged) && typeof merged.name === "string" ? merged.name : name;
  if (!parsed.success)
    throw new ProfileError(profileName, withMigrations(parsed.error.issues.flatMap((i) => toProblems(i, merged))));
  const problems = [...profileRules(parsed.data), ...extraChecks(parsed.data)];
  if (problems.length > 0) throw new ProfileError(profileName, withMigrations(problems));
  return parsed.data;
}

/**
 * Each problem with the migrations a release recorded for its key (profiles/migrations.ts): a fork whose file
 * still has the old shape reads the change and the fix in the error.
 */
export function withMigrations(problems: readonly Problem[], migrations = MIGRATIONS): Problem[] {
  return problems.map((problem) => {
    const found = migrationsFor(problem.path, migrations);
    if (found.length === 0) return problem;
    const notes = found.map((m) => `${m.path} ${m.change} in release ${m.release}: ${m.migration}`);
    return { ...problem, allowed: `${problem.allowed} (${notes.join("; ")})` };
  });
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
