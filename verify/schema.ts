/**
 * Validation of a custom resource against its CRD's openAPIV3Schema, the way the API server treats
 * a structural schema: required fields, types, enums, patterns and bounds are errors; so are unknown
 * fields, which the API server would silently prune (the same trap as a misspelled Helm key).
 * `x-kubernetes-preserve-unknown-fields` and `additionalProperties` open a map to any key;
 * `x-kubernetes-int-or-string` accepts either; `x-kubernetes-embedded-resource` allows
 * apiVersion/kind/metadata; CEL rules (`x-kubernetes-validations`) are not evaluated.
 */
import { isPlainObject } from "../profiles/merge";

type Schema = Record<string, unknown>;

export function schemaProblems(value: unknown, schema: Schema, path = ""): string[] {
  const here = path || "(root)";
  const problems: string[] = [];
  if (value === null && schema.nullable === true) return problems;
  for (const key of ["allOf"] as const) {
    for (const sub of (schema[key] as Schema[] | undefined) ?? []) problems.push(...schemaProblems(value, sub, path));
  }
  if (schema["x-kubernetes-int-or-string"] === true) {
    if (typeof value !== "string" && !Number.isInteger(value))
      problems.push(`${here}: expected an integer or a string`);
    return problems;
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
    problems.push(`${here}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  const type = schema.type as string | undefined;
  if (type === "object" || (type === undefined && isPlainObject(schema.properties))) {
    if (!isPlainObject(value)) return [...problems, `${here}: expected an object`];
    for (const required of (schema.required as string[] | undefined) ?? []) {
      if (!(required in value)) problems.push(`${here}: missing required field "${required}"`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    const additional = schema.additionalProperties as Schema | boolean | undefined;
    const embedded = schema["x-kubernetes-embedded-resource"] === true || path === "";
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      // ObjectMeta is validated by the API server itself, not by the CRD schema.
      if (embedded && key === "metadata") continue;
      if (key in properties) problems.push(...schemaProblems(child, properties[key], childPath));
      else if (isPlainObject(additional)) problems.push(...schemaProblems(child, additional, childPath));
      else if (additional === true || schema["x-kubernetes-preserve-unknown-fields"] === true) continue;
      else if (embedded && ["apiVersion", "kind", "metadata"].includes(key)) continue;
      else problems.push(`${childPath}: unknown field (allowed: ${Object.keys(properties).join(", ") || "none"})`);
    }
    if (typeof schema.maxProperties === "number" && Object.keys(value).length > schema.maxProperties) {
      problems.push(`${here}: more than ${schema.maxProperties} properties`);
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return [...problems, `${here}: expected an array`];
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
      problems.push(`${here}: more than ${schema.maxItems} items`);
    if (typeof schema.minItems === "number" && value.length < schema.minItems)
      problems.push(`${here}: fewer than ${schema.minItems} items`);
    const items = schema.items as Schema | undefined;
    if (items) value.forEach((item, i) => problems.push(...schemaProblems(item, items, `${path}[${i}]`)));
  } else if (type === "string") {
    if (typeof value !== "string") return [...problems, `${here}: expected a string, got ${JSON.stringify(value)}`];
    const pattern = typeof schema.pattern === "string" ? goPattern(schema.pattern) : undefined;
    if (pattern && !pattern.test(value)) {
      problems.push(`${here}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
      problems.push(`${here}: longer than ${schema.maxLength}`);
    if (typeof schema.minLength === "number" && value.length < schema.minLength)
      problems.push(`${here}: shorter than ${schema.minLength}`);
  } else if (type === "integer" || type === "number") {
    if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value))) {
      return [
        ...problems,
        `${here}: expected ${type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(value)}`,
      ];
    }
    if (typeof schema.minimum === "number" && value < schema.minimum)
      problems.push(`${here}: below the minimum ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum)
      problems.push(`${here}: above the maximum ${schema.maximum}`);
  } else if (type === "boolean" && typeof value !== "boolean") {
    problems.push(`${here}: expected a boolean, got ${JSON.stringify(value)}`);
  }
  return problems;
}

/**
 * CRD patterns are Go (RE2) regular expressions. The one RE2 construct they use that JavaScript lacks
 * is a leading inline flag such as `(?i)` (after an optional `^`); translate it. A pattern JavaScript still cannot read is
 * skipped rather than guessed (the API server checks it anyway).
 */
function goPattern(pattern: string): RegExp | undefined {
  const flags = /^(\^?)\(\?([a-z]+)\)/.exec(pattern);
  try {
    return flags
      ? new RegExp(flags[1] + pattern.slice(flags[0].length), flags[2].replace(/[^ims]/g, ""))
      : new RegExp(pattern);
  } catch {
    return undefined;
  }
}
