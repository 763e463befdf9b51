/** Synthesizes a profile and renders its platform stacks through Helm (verify/helm-render.ts): the cdktf side of the render. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RenderedStack } from "../reports/rendered";
import { kubeVersionOf, renderStack } from "../verify/helm-render";
import { buildApp } from "./app";
import { cleanUpLocalCharts } from "./local-chart";

/**
 * Synthesizes a profile (with an optional override, as `cdktf synth` would) and renders every platform
 * stack's releases. The synthesized output goes to a temporary folder that is removed afterwards.
 */
export function renderProfile(name: string, options: { root: string; override?: unknown }): RenderedStack[] {
  const outdir = mkdtempSync(join(tmpdir(), "cnai-render-synth-"));
  try {
    const { app, built } = buildApp({ profiles: [name], override: options.override, outdir });
    app.synth();
    const stacks = built.flatMap((b) => [b, ...Object.values(b.workers)]);
    return stacks.map(({ profile, platform }) => {
      const kubeVersion = kubeVersionOf(profile);
      const stackDir = join(outdir, "stacks", platform.node.id);
      return {
        stack: platform.node.id,
        profile,
        kubeVersion,
        releases: renderStack(stackDir, { root: options.root, kubeVersion }),
      };
    });
  } finally {
    cleanUpLocalCharts();
    rmSync(outdir, { recursive: true, force: true });
  }
}
