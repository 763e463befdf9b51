/** Small temporary git repositories for the tests of the release tooling and of verify:upgrade's --from. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const IDENTITY = ["user.name=Release Test", "user.email=release@example.com"];

export interface TestRepo {
  readonly root: string;
  git(...args: string[]): string;
  /** Writes the files (null deletes one) and commits them, dated `date` (YYYY-MM-DD); returns the commit id. */
  commit(message: string, files: Record<string, string | null>, date?: string): string;
  remove(): void;
}

export function packageJson(version: string): string {
  return `${JSON.stringify({ name: "fork", version, private: true }, null, 2)}\n`;
}

export function lockJson(version: string): string {
  return `${JSON.stringify({ name: "fork", version, lockfileVersion: 3, packages: { "": { name: "fork", version } } }, null, 2)}\n`;
}

/** A platform/versions.ts with one provider, the given charts (name → version) and one image. */
export function versionsTs(charts: Record<string, string>, image = "1.0.0"): string {
  const chartEntries = Object.entries(charts)
    .map(
      ([k, v]) =>
        `  "${k}": { kind: "chart", repository: "https://charts.example.com", chart: "${k}", version: "${v}", source: "x" },`,
    )
    .join("\n");
  return [
    'export const PROVIDERS = { helm: { kind: "provider", source: "hashicorp/helm", version: "3.1.1" } } as const;',
    `export const CHARTS = {\n${chartEntries}\n} as const;`,
    `export const IMAGES = { tool: { kind: "image", repository: "example.com/tool", tag: "${image}", source: "x" } } as const;`,
    "",
  ].join("\n");
}

export function makeRepo(): TestRepo {
  const root = mkdtempSync(join(tmpdir(), "cnai-release-"));
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).replace(/\n$/, "");
  git("init", "-q", "-b", "main");
  return {
    root,
    git,
    commit(message, files, date = "2026-01-01") {
      for (const [path, text] of Object.entries(files)) {
        const full = join(root, path);
        if (text === null) rmSync(full);
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, text);
        }
      }
      git("add", "-A");
      const stamp = `${date}T12:00:00+00:00`;
      execFileSync("git", [...IDENTITY.flatMap((c) => ["-c", c]), "commit", "-q", "-m", message], {
        cwd: root,
        env: { ...process.env, GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp },
      });
      return git("rev-parse", "HEAD");
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
