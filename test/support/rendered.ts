import { resolve } from "node:path";
import type { RenderedStack } from "../../reports/rendered";
import { renderProfile } from "../../stacks/render-profile";

const ROOT = resolve(__dirname, "../..");
const memo = new Map<string, RenderedStack[]>();

/** A profile's platform stacks rendered through the real helm (cached per test file; renders are also cached on disk). */
export function rendered(name: string, override?: unknown): RenderedStack[] {
  const key = `${name} ${JSON.stringify(override ?? null)}`;
  if (!memo.has(key)) memo.set(key, renderProfile(name, { root: ROOT, override }));
  return memo.get(key) as RenderedStack[];
}
