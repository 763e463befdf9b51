import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHARTS } from "../../platform/versions";
import type { RunResult, StaticServer } from "../support/helm-repo";
import {
  closedPort,
  indexRepository,
  isolatedEnv,
  packageChart,
  ROOT,
  run,
  serve,
  toolsHelm,
  TSX,
} from "../support/helm-repo";

/**
 * scripts/reference.sh, the tools step that decides where the reference data comes from, run for a
 * temporary "repository root" (its .tools/reference-dir record) next to an optional temporary
 * ../shared/reference, with an empty tools cache of its own.
 */
const BASE = mkdtempSync(join(tmpdir(), "cnai-reference-test-"));
const KEY = spawnSync(process.execPath, [TSX, "scripts/fetch-upstream.ts", "--key"], {
  cwd: ROOT,
  encoding: "utf8",
}).stdout.trim();

afterAll(() => rmSync(BASE, { recursive: true, force: true }));

interface Case {
  readonly root: string;
  readonly tools: string;
  readonly shared: string;
  readonly record: string;
}

/** A fresh layout: <case>/repo (the root), <case>/tools (the cache), optionally <case>/shared/reference. */
function layout(name: string, options: { shared?: boolean } = {}): Case {
  const dir = join(BASE, name);
  const shared = join(dir, "shared/reference");
  mkdirSync(join(dir, "repo"), { recursive: true });
  mkdirSync(join(dir, "tools"), { recursive: true });
  if (options.shared) mkdirSync(join(shared, "charts"), { recursive: true });
  return { root: join(dir, "repo"), tools: join(dir, "tools"), shared, record: join(dir, "repo/.tools/reference-dir") };
}

function reference(c: Case, env: Record<string, string> = {}): Promise<RunResult> {
  return run("bash", [join(ROOT, "scripts/reference.sh"), c.root], {
    env: isolatedEnv(c.root, { CNAI_TOOLS_DIR: c.tools, ...env }),
  });
}

describe("scripts/reference.sh", () => {
  test("CNAI_REFERENCE_DIR comes first, taken from the repository root when relative, and is recorded", async () => {
    const c = layout("env-first", { shared: true });
    mkdirSync(join(c.root, "../mine/charts"), { recursive: true });
    const result = await reference(c, { CNAI_REFERENCE_DIR: "../mine" });
    const mine = join(BASE, "env-first/mine");
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(`tools: reference data: ${mine} (CNAI_REFERENCE_DIR)\n`);
    expect(result.status).toBe(0);
    expect(readFileSync(c.record, "utf8")).toBe(`${mine}\nCNAI_REFERENCE_DIR\n`);
  });

  test("a CNAI_REFERENCE_DIR that does not exist stops it with the value and the fix, and nothing is recorded", async () => {
    const c = layout("env-missing", { shared: true });
    const result = await reference(c, { CNAI_REFERENCE_DIR: "/nonexistent/reference" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      `tools: error: CNAI_REFERENCE_DIR is "/nonexistent/reference", which is not a directory (a relative path is taken from ${c.root}): set it to a reference folder (charts/ and crds/, see verify/reference.ts) or unset it\n`,
    );
    expect(existsSync(c.record)).toBe(false);
  });

  test("a CNAI_REFERENCE_DIR without a charts/ folder stops it with the value and the fix", async () => {
    const c = layout("env-no-charts");
    const result = await reference(c, { CNAI_REFERENCE_DIR: c.tools });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `tools: error: CNAI_REFERENCE_DIR is "${c.tools}", which has no charts/ folder (${c.tools}/charts): set it to a reference folder (charts/ and crds/, see verify/reference.ts) or unset it\n`,
    );
  });

  test("without CNAI_REFERENCE_DIR, ../shared/reference next to the repository comes second", async () => {
    const c = layout("shared", { shared: true });
    const result = await reference(c);
    expect(result.stdout).toBe(`tools: reference data: ${c.shared} (../shared/reference)\n`);
    expect(result.status).toBe(0);
    expect(readFileSync(c.record, "utf8")).toBe(`${c.shared}\n../shared/reference\n`);
  });

  test("without either, a copy already fetched into the tools cache is taken and helm is not run", async () => {
    const c = layout("cached");
    const cached = join(c.tools, "reference", KEY);
    mkdirSync(join(cached, "charts"), { recursive: true });
    writeFileSync(join(cached, "fetched.txt"), "helm v3.22.0 from the chart mirror CNAI_CHART_REPOSITORY=http://x\n");
    const result = await reference(c, { HELM: "/nonexistent/helm" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(readFileSync(c.record, "utf8")).toBe(
      `${cached}\ntools cache: helm v3.22.0 from the chart mirror CNAI_CHART_REPOSITORY=http://x\n`,
    );
  });

  test("with no data and an unreachable chart mirror it stops with one message naming the three ways, leaving nothing behind", async () => {
    const c = layout("unreachable");
    const port = await closedPort();
    const mirror = `http://127.0.0.1:${port}`;
    const started = Date.now();
    const result = await reference(c, { HELM: toolsHelm(), CNAI_CHART_REPOSITORY: mirror });
    const from = `the chart mirror CNAI_CHART_REPOSITORY=${mirror}`;
    const first = Object.values(CHARTS)[0];
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`tools: reference data: fetching the pinned charts with helm from ${from} ...\n`);
    expect(result.stderr).toBe(
      `tools: error: no reference data (the pinned charts' values files and CRDs the tests check against): ` +
        `CNAI_REFERENCE_DIR is not set, ${join(BASE, "unreachable/shared/reference")} does not exist, ` +
        `and helm could not fetch the pinned charts from ${from}: ` +
        `helm pull ${first.chart} --repo ${mirror} --version ${first.version} failed: ` +
        `Error: looks like "${mirror}" is not a valid chart repository or cannot be reached: ` +
        `Get "${mirror}/index.yaml": dial tcp 127.0.0.1:${port}: connect: connection refused\n` +
        `Provide the data in one of three ways, then run npm test again:\n` +
        `  1. set CNAI_REFERENCE_DIR to a reference folder (charts/ and crds/, see verify/reference.ts);\n` +
        `  2. put the reference folder at ${join(BASE, "unreachable/shared/reference")};\n` +
        `  3. allow network access, so helm can pull the pinned charts into ${c.tools}/reference/ (once per version table),\n` +
        `     or set CNAI_CHART_REPOSITORY to a Helm repository URL that mirrors the pinned charts.\n`,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(readdirSync(join(c.tools, "reference"))).toEqual([]);
    expect(existsSync(c.record)).toBe(false);
  });
});

describe("scripts/reference.sh fetching every pinned chart from a chart mirror on 127.0.0.1", () => {
  const c = layout("fetch");
  const repo = join(BASE, "fetch/mirror");
  const env = isolatedEnv(join(BASE, "fetch"));
  let server: StaticServer | undefined;
  let first: RunResult;
  let again: RunResult;

  beforeAll(async () => {
    server = await serve(repo);
    for (const entry of Object.values(CHARTS)) {
      await packageChart(
        join(BASE, "fetch/src"),
        repo,
        { name: entry.chart, version: entry.version, values: "a: 1\n" },
        env,
      );
    }
    await indexRepository(repo, env);
    first = await reference(c, { HELM: toolsHelm(), CNAI_CHART_REPOSITORY: server.url });
    again = await reference(c, { HELM: toolsHelm(), CNAI_CHART_REPOSITORY: server.url });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
  });

  test("it fetches every chart of the version table into the tools cache under the key and records it", () => {
    const cached = join(c.tools, "reference", KEY);
    const how = `tools cache: helm v3.22.0 from the chart mirror CNAI_CHART_REPOSITORY=${server?.url}`;
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout.split("\n").slice(-2)).toEqual([`tools: reference data: ${cached} (${how})`, ""]);
    expect(readFileSync(c.record, "utf8")).toBe(`${cached}\n${how}\n`);
    expect(readdirSync(join(cached, "charts")).sort()).toEqual(
      Object.values(CHARTS)
        .map((entry) => `${entry.chart}-${entry.version}`)
        .sort(),
    );
    expect(readFileSync(join(cached, "charts/qdrant-1.19.0/values.yaml"), "utf8")).toBe("a: 1\n");
  });

  test("the fetch is renamed into place: the cache holds only the finished copy", () => {
    expect(readdirSync(join(c.tools, "reference"))).toEqual([KEY]);
  });

  test("a second run takes the cached copy without asking the mirror", () => {
    expect(again.stderr).toBe("");
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(first.stdout.split("\n").slice(-2).join("\n"));
    // the first run's requests only: an index.yaml and a chart archive per chart
    expect(server?.requests).toHaveLength(2 * Object.keys(CHARTS).length);
  });
});
