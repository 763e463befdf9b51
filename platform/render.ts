/** Rendering a local release's cdk8s charts to YAML: what the stacks package as a chart, and what reports and checks read. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdk8s";
import type { LocalRelease } from "./component";

/** Renders a local release's cdk8s chart to YAML (one multi-document string). */
export function renderLocalYaml(release: Pick<LocalRelease, "name" | "render">): string {
  const app = new App({ outdir: join(tmpdir(), "cnai-cdk8s-unused") });
  release.render(app, release.name);
  return app.synthYaml();
}
