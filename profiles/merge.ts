/**
 * The one merge rule of the distribution, for profiles over defaults, override files over profiles,
 * and Helm values over a component's typed defaults:
 *   - plain objects (maps) merge key by key, recursively;
 *   - arrays (lists) replace the base list whole;
 *   - any other value (string, number, boolean, null) replaces the base value; for Helm values a `null` then
 *     reaches Helm, which removes the chart's default; for profiles (`mergeProfileLayers`) `null` removes the
 *     key, an override's way to drop a setting of the profile such as kind's `hostDevices`;
 *   - a key whose override value is `undefined` leaves the base untouched.
 * Inputs are never mutated; the result shares no objects with them. `__proto__`, `constructor` and
 * `prototype` keys are refused (profiles/input.ts reports them with their paths before any merge).
 */
import { FORBIDDEN_KEYS } from "./input";
export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function deepMerge<T>(base: T, ...overrides: unknown[]): T {
  let result: unknown = clone(base);
  for (const override of overrides) result = mergeTwo(result, override, false);
  return result as T;
}

/** Defaults, a profile and an override file, merged by the rule above; a `null` removes the key. */
export function mergeProfileLayers(...layers: unknown[]): unknown {
  let result: unknown = {};
  for (const layer of layers) result = mergeTwo(result, layer, true);
  return result;
}

function mergeTwo(base: unknown, override: unknown, nullRemoves: boolean): unknown {
  if (override === undefined) return base;
  if (isPlainObject(base) && isPlainObject(override)) {
    const merged: PlainObject = { ...base };
    for (const [key, value] of Object.entries(override)) {
      if (value === null && nullRemoves) delete merged[safeKey(key)];
      else merged[safeKey(key)] = mergeTwo(base[key], value, nullRemoves);
    }
    return merged;
  }
  return clone(override);
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [safeKey(k), clone(v)]));
  return value;
}

function safeKey(key: string): string {
  if ((FORBIDDEN_KEYS as readonly string[]).includes(key)) {
    throw new Error(`Refusing to merge the key "${key}": it is never a profile or Helm values key; remove it`);
  }
  return key;
}
