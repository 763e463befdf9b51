/**
 * Renders every Helm release of a profile exactly as the helm provider would install it (verify/helm-render.ts):
 *
 *   npm run render -- <profile> [--output <dir>]      (default dir: render.out)
 *   CNAI_OVERRIDES=<file> npm run render -- <profile>   with a fork's override file, as `cdktf synth` takes it
 *
 * Writes <dir>/<stack>/<release>.yaml for every release, and <dir>/<stack>/images.txt: every image the
 * rendered stack names (what an air-gapped registry must hold). Charts come from the profile's
 * `mirror.charts`, else CNAI_CHART_REPOSITORY, else ../shared/offline/charts, else their public repositories.
 * A template error stops the command with the release and Helm's message; the output folder is replaced
 * only when every release rendered.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readOverridesFile } from "../profiles/load";
import { ToolError } from "../verify/charts";
import { renderProfile } from "../stacks/render-profile";
import { renderedImages } from "../verify/posture";
import { podKinds } from "../reports/pods";

function main(): void {
  const args = process.argv.slice(2);
  const outputAt = args.indexOf("--output");
  const output = resolve(process.env.INIT_CWD ?? process.cwd(), outputAt >= 0 ? args[outputAt + 1] : "render.out");
  const names = args.filter((a, i) => !a.startsWith("--") && (outputAt < 0 || i !== outputAt + 1));
  if (names.length !== 1) throw new ToolError("give one profile: npm run render -- <profile> [--output <dir>]");
  const override = process.env.CNAI_OVERRIDES ? readOverridesFile(process.env.CNAI_OVERRIDES) : undefined;
  const stacks = renderProfile(names[0], { root: resolve(__dirname, ".."), override });
  const scratch = `${output}.tmp-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  for (const stack of stacks) {
    const dir = join(scratch, stack.stack);
    mkdirSync(dir, { recursive: true });
    for (const release of stack.releases) writeFileSync(join(dir, `${release.name}.yaml`), release.yaml);
    // Images as rendered, and those operators put into the pods they make (operands, sidecars).
    const operatorImages = podKinds(stack).flatMap((k) =>
      [...(k.spec.initContainers ?? []), ...k.spec.containers].flatMap((c) => (c.image ? [c.image] : [])),
    );
    const images = [
      ...new Set([...renderedImages(stack.releases.flatMap((r) => r.objects)), ...operatorImages]),
    ].sort();
    writeFileSync(join(dir, "images.txt"), `${images.join("\n")}\n`);
    console.log(
      `${stack.stack}: ${stack.releases.length} releases, ${images.length} images, Kubernetes ${stack.kubeVersion}`,
    );
  }
  rmSync(output, { recursive: true, force: true });
  renameSync(scratch, output);
  console.log(`rendered into ${output}`);
}

try {
  main();
} catch (error) {
  console.error(`render: ${(error as Error).message}`);
  process.exitCode = 1;
}
