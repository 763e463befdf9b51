import { Testing } from "cdk8s";
import type { LocalRelease } from "../../platform/component";

/** A synthesized manifest: plain JSON, read freely by assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
export type Manifest = any;

/** Renders a local release the way the platform stack does: every chart it adds to one app. */
export function renderLocal(release: Pick<LocalRelease, "render">, id = "release"): Manifest[] {
  const app = Testing.app();
  release.render(app, id);
  return app.charts.flatMap((chart) => Testing.synth(chart));
}
