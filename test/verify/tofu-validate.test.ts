import { PROFILES } from "../../profiles/index";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * `tofu init -backend=false` + `tofu validate` on the synthesized stacks, offline, with the OpenTofu
 * and provider mirror that `bash scripts/tools.sh` builds (see scripts/tofu-validate.sh).
 */
const ROOT = resolve(__dirname, "../..");
const TOOLS = process.env.CNAI_TOOLS_DIR || join(homedir(), ".cache", "cnai-tools");
/** Synthesis plus init and validate of every stack take about 10 s; a cold, busy machine gets room. */
const TIMEOUT = 300_000;

function requireTools(): void {
  const needed = [join(TOOLS, "bin", "tofu"), join(TOOLS, "tofurc"), join(TOOLS, "providers")];
  const missing = needed.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `OpenTofu or the provider mirror is missing (${missing.join(", ")}): run \`bash scripts/tools.sh\` (npm run tools) first.`,
    );
  }
}

function validate(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync("bash", [join(ROOT, "scripts", "tofu-validate.sh"), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: TIMEOUT,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

type TfJson = { resource: Record<string, Record<string, Record<string, unknown>>> };

describe("tofu validate on the synthesized stacks", () => {
  const scratch = mkdtempSync(join(tmpdir(), "cnai-tofu-test-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test(
    "every stack of every profile passes tofu init and tofu validate",
    () => {
      requireTools();
      const { status, output } = validate();
      expect({ status, output }).toMatchObject({ status: 0 });
      const clusters = [...Object.keys(PROFILES), "multicloud-gpu-aks", "multicloud-gpu-gke"];
      const stacks = clusters.flatMap((name) => [`${name}-cluster`, `${name}-platform`]);
      for (const stack of stacks) expect(output).toMatch(new RegExp(`^ok +${stack} `, "m"));
      expect(output).toMatch(new RegExp(`all ${stacks.length} stacks valid`));
    },
    TIMEOUT,
  );

  test(
    "an argument that the helm provider does not know fails validation and is named",
    () => {
      requireTools();
      const synth = spawnSync("npx", ["tsx", "stacks/main.ts"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, CDKTF_OUTDIR: join(scratch, "synth"), CNAI_PROFILE: "laptop" },
        timeout: TIMEOUT,
      });
      expect({ status: synth.status, stderr: synth.stderr }).toMatchObject({ status: 0 });

      // The valid cluster stack beside a copy of the platform stack with one unknown argument.
      const broken = join(scratch, "broken", "stacks");
      mkdirSync(broken, { recursive: true });
      cpSync(join(scratch, "synth", "stacks", "laptop-cluster"), join(broken, "laptop-cluster"), { recursive: true });
      cpSync(join(scratch, "synth", "stacks", "laptop-platform"), join(broken, "laptop-platform"), { recursive: true });
      const file = join(broken, "laptop-platform", "cdk.tf.json");
      const json = JSON.parse(readFileSync(file, "utf8")) as TfJson;
      const [release] = Object.values(json.resource.helm_release);
      release.not_an_attribute = true;
      writeFileSync(file, JSON.stringify(json, null, 2));

      const { status, output } = validate(join(scratch, "broken"));
      expect(status).toBe(1);
      expect(output).toMatch(/^ok +laptop-cluster /m);
      expect(output).toMatch(/^FAIL +laptop-platform /m);
      expect(output).toMatch(/No argument or block type is named "not_an_attribute"/);
      expect(output).toMatch(/1 of 2 stacks failed/);
    },
    TIMEOUT,
  );
});
