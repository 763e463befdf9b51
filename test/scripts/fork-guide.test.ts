/**
 * The README's "Keeping a fork up to date", followed as a new user follows it: a fork cloned at an older commit
 * writes the section's files, commits them, then runs the section's commands in order (merge our newer commit,
 * install, check, synthesize its profile). Only `npm ci` is replaced, by a link to this checkout's node_modules,
 * once the test has checked that the merged lock file is the same one (so the install would give the same tree).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const root = resolve(__dirname, "..", "..");

/** The fenced blocks of one README section, in order. */
export function sectionBlocks(readme: string, heading: string): Array<{ lang: string; body: string }> {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no section "## ${heading}"`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

describe("the README's fork section, followed in a clone", () => {
  const blocks = sectionBlocks(readFileSync(join(root, "README.md"), "utf8"), "Keeping a fork up to date");
  const work = mkdtempSync(join(tmpdir(), "cnai-fork-guide-"));
  const upstream = join(work, "upstream.git");
  const fork = join(work, "fork");
  const head = git(root, "rev-parse", "HEAD");
  const base = git(root, "rev-parse", "HEAD~1");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    UPSTREAM_URL: upstream,
    GIT_AUTHOR_NAME: "Acme platform team",
    GIT_AUTHOR_EMAIL: "platform@acme.example",
    GIT_COMMITTER_NAME: "Acme platform team",
    GIT_COMMITTER_EMAIL: "platform@acme.example",
    CHECKPOINT_DISABLE: "1",
  };
  // The user's shell has none of this test run's selections.
  for (const name of ["CNAI_PROFILE", "CNAI_OVERRIDES", "CNAI_FORK_DIR", "INIT_CWD"]) delete env[name];
  const ran: Array<{ command: string; output: string }> = [];

  beforeAll(() => {
    // Our repository as the user sees it: main at this commit. The fork starts one commit earlier.
    git(work, "clone", "--quiet", "--bare", root, upstream);
    git(upstream, "update-ref", "refs/heads/main", head);
    git(work, "clone", "--quiet", upstream, fork);
    git(fork, "reset", "--quiet", "--hard", base);
    for (const block of blocks) {
      if (block.lang === "yaml") {
        const [first, ...rest] = block.body.split("\n");
        const path = /^# (fork\/\S+)$/.exec(first)?.[1];
        if (!path) throw new Error(`a yaml block of the section does not start with "# fork/<file>": ${first}`);
        mkdirSync(dirname(join(fork, path)), { recursive: true });
        writeFileSync(join(fork, path), rest.join("\n"));
        continue;
      }
      for (const command of block.body.split("\n").filter((line) => line.trim() !== "")) {
        if (command === "npm ci") {
          const lock = (dir: string) => readFileSync(join(dir, "package-lock.json"), "utf8");
          if (lock(fork) !== lock(root)) throw new Error("the merged package-lock.json differs from this checkout's");
          symlinkSync(join(root, "node_modules"), join(fork, "node_modules"));
          ran.push({ command, output: "(linked: same package-lock.json)" });
          continue;
        }
        const result = spawnSync("bash", ["-euo", "pipefail", "-c", command], { cwd: fork, env, encoding: "utf8" });
        const output = `${result.stdout}${result.stderr}`;
        if (result.status !== 0) throw new Error(`"${command}" failed (exit ${result.status}):\n${output}`);
        ran.push({ command, output });
      }
    }
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("the section shows the files a fork writes and the commands it runs", () => {
    expect(blocks.filter((b) => b.lang === "yaml").map((b) => b.body.split("\n")[0])).toEqual([
      "# fork/profiles/acme-dev.yaml",
      "# fork/overrides/acme-dev.ci.yaml",
    ]);
    expect(ran.map((r) => r.command)).toEqual([
      'git remote add upstream "$UPSTREAM_URL"',
      "git add fork",
      `git commit -m "Acme's profiles"`,
      "git fetch upstream --tags",
      "git merge --no-edit upstream/main",
      "npm ci",
      "npm run check:profiles",
      "CNAI_PROFILE=acme-dev npm run synth",
    ]);
  });

  test("our newer commit merges into the fork without touching its files", () => {
    expect(git(fork, "merge-base", "--is-ancestor", head, "HEAD")).toBe("");
    expect(git(fork, "diff", "--name-only", head, "HEAD").split("\n")).toEqual([
      "fork/overrides/acme-dev.ci.yaml",
      "fork/profiles/acme-dev.yaml",
    ]);
  });

  test("the check finds the fork's profile and its override file valid", () => {
    const output = ran.find((r) => r.command === "npm run check:profiles")?.output ?? "";
    expect(output).toMatch(/^ok {3}profile acme-dev$/m);
    expect(output).toMatch(/^ok {3}override fork\/overrides\/acme-dev\.ci\.yaml over acme-dev$/m);
    expect(output).toMatch(/^check:profiles: all valid$/m);
  });

  test("the fork's profile synthesizes with its own team", () => {
    const stack = join(fork, "cdktf.out", "stacks", "acme-dev-platform", "cdk.tf.json");
    expect(existsSync(stack)).toBe(true);
    const tf = JSON.parse(readFileSync(stack, "utf8")) as {
      resource: Record<string, Record<string, { metadata?: { name?: string } }>>;
    };
    const namespaces = Object.values(tf.resource.kubernetes_namespace_v1).map((n) => n.metadata?.name);
    expect(namespaces).toEqual(expect.arrayContaining(["team-default", "team-vision"]));
  });
});
