/**
 * Where a pinned chart comes from when a tool (the render, the reference fetch) needs its files, and the
 * helm those tools run. Users' deploys never read this: the helm provider pulls from `helm_release.repository`.
 *
 * Resolution, first that applies (as for the reference data, scripts/reference.sh):
 *   1. CNAI_CHART_REPOSITORY   a Helm repository URL (`https://…`, `oci://…` prefix) or a local folder with an
 *                              index.yaml (`helm repo index` layout): an organisation's mirror
 *   2. ../shared/offline/charts   next to the checkout: this project's offline stand-in for the public repositories
 *   3. the release's own repository (what the profile synthesized: the public one, or the profile's `mirror.charts`)
 * A release whose repository is not the chart's pinned public one (a profile mirror) is always taken as synthesized.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { CHARTS } from "../platform/versions";
import type { ChartVersion } from "../platform/versions";

/** A pull that takes longer is treated as unreachable, so an offline machine fails fast. */
export const PULL_TIMEOUT_SECONDS = 60;

export class ToolError extends Error {}

export function toolsDir(): string {
  return process.env.CNAI_TOOLS_DIR || join(homedir(), ".cache", "cnai-tools");
}

/** $HELM, else the helm that `npm run tools` builds. */
export function helmBinary(): string {
  const fix = "run 'npm run tools' (scripts/tools.sh builds helm) or set HELM to a helm 3.8+ binary";
  const helm = process.env.HELM;
  if (helm) {
    if (!existsSync(helm)) throw new ToolError(`HELM is "${helm}", which does not exist: ${fix}`);
    return helm;
  }
  const built = join(toolsDir(), "bin", "helm");
  if (!existsSync(built)) throw new ToolError(`helm not found: HELM is not set and ${built} does not exist: ${fix}`);
  return built;
}

/** helm's own error: the last `Error:` line it printed, or its last line. */
export function helmError(error: unknown, timeoutSeconds = PULL_TIMEOUT_SECONDS): string {
  const failure = error as { stderr?: string; code?: string; signal?: string; message: string };
  if (failure.code === "ETIMEDOUT" || failure.signal === "SIGTERM") return `no answer within ${timeoutSeconds} s`;
  const lines = `${failure.stderr ?? ""}`
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return lines.filter((line) => line.startsWith("Error:")).pop() ?? lines.pop() ?? failure.message;
}

/** Runs helm; a failure becomes a ToolError that starts with `what`. */
export function helm(args: string[], what: string, timeoutSeconds?: number): string {
  try {
    return execFileSync(helmBinary(), args, {
      encoding: "utf8",
      maxBuffer: 1 << 28,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutSeconds ? timeoutSeconds * 1000 : undefined,
    });
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`${what} failed: ${helmError(error, timeoutSeconds)}`);
  }
}

/** `helm pull` arguments for a chart in a repository (`oci://` prefixes hold `<prefix>/<chart>`). */
export function pullArguments(repository: string, chart: string, version: string): string[] {
  const oci = repository.startsWith("oci://");
  const ref = oci ? `${repository.replace(/\/+$/, "")}/${chart}` : chart;
  return ["pull", ref, ...(oci ? [] : ["--repo", repository]), "--version", version];
}

export interface ChartStandIn {
  /** A local folder with index.yaml, or a repository URL. */
  readonly location: string;
  readonly how: "CNAI_CHART_REPOSITORY" | "../shared/offline/charts";
}

/** The stand-in for the public chart repositories on this machine, if any (steps 1 and 2 above). */
export function chartStandIn(root: string): ChartStandIn | undefined {
  const env = process.env.CNAI_CHART_REPOSITORY;
  if (env) {
    if (/^(https?|oci):\/\//.test(env)) return { location: env, how: "CNAI_CHART_REPOSITORY" };
    const dir = isAbsolute(env) ? env : resolve(root, env);
    if (!existsSync(join(dir, "index.yaml"))) {
      throw new ToolError(
        `CNAI_CHART_REPOSITORY is "${env}", which is neither a Helm repository URL (https://…, oci://…) nor a folder with an index.yaml (${join(dir, "index.yaml")}): point it at a chart mirror or unset it`,
      );
    }
    return { location: dir, how: "CNAI_CHART_REPOSITORY" };
  }
  const offline = join(dirname(root), "shared", "offline", "charts");
  return existsSync(join(offline, "index.yaml")) ? { location: offline, how: "../shared/offline/charts" } : undefined;
}

/**
 * Whether `repository` is the public source the version table pins for this chart (not a profile mirror).
 * `table`: the pins to look in (an older checkout's, for verify:upgrade). @default every chart of CHARTS
 */
export function isPinnedSource(
  repository: string,
  chart: string,
  version: string,
  table: readonly ChartVersion[] = Object.values(CHARTS),
): boolean {
  return table.some((c) => c.repository === repository && c.chart === chart && c.version === version);
}

interface IndexEntry {
  version: string;
  urls?: string[];
}

/** A chart archive in a local repository folder, found through its index.yaml as helm would. */
function fromLocalRepository(dir: string, chart: string, version: string): string {
  const index = parseYaml(readFileSync(join(dir, "index.yaml"), "utf8")) as {
    entries?: Record<string, IndexEntry[]>;
  };
  const entry = index.entries?.[chart]?.find((e) => e.version === version);
  const url = entry?.urls?.[0];
  if (!url) {
    const known = (index.entries?.[chart] ?? []).map((e) => e.version).join(", ") || "none";
    throw new ToolError(
      `chart ${chart} ${version} is not in ${join(dir, "index.yaml")} (versions there: ${known}): add it to the mirror (helm pull, then helm repo index)`,
    );
  }
  const path = /^[a-z]+:\/\//.test(url) ? undefined : resolve(dir, url);
  if (!path || !existsSync(path)) {
    throw new ToolError(
      `chart ${chart} ${version}: ${join(dir, "index.yaml")} names "${url}", which is not a file there`,
    );
  }
  return path;
}

/** Pulls a chart archive from a repository URL once, into the tools cache (keyed by repository, chart, version). */
function fromRemoteRepository(repository: string, chart: string, version: string): string {
  const key = createHash("sha256").update(repository).digest("hex").slice(0, 12);
  const dir = join(toolsDir(), "charts", key);
  const archive = join(dir, `${chart}-${version}.tgz`);
  if (existsSync(archive)) return archive;
  const scratch = `${dir}.tmp-${process.pid}`;
  mkdirSync(scratch, { recursive: true });
  try {
    const args = pullArguments(repository, chart, version);
    helm(
      [...args, "--destination", scratch],
      `helm ${args.join(" ")} (offline? set CNAI_CHART_REPOSITORY to a chart mirror or a folder with index.yaml)`,
      PULL_TIMEOUT_SECONDS,
    );
    mkdirSync(dir, { recursive: true });
    // helm names the archive after the chart's own version; keep the pinned name.
    const pulled = execFileSync("ls", [scratch], { encoding: "utf8" }).trim().split("\n")[0];
    renameSync(join(scratch, pulled), archive);
    return archive;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * The local archive of a chart a release names, resolved as described at the top of this file; `table` as for
 * `isPinnedSource`.
 */
export function chartArchive(
  root: string,
  repository: string,
  chart: string,
  version: string,
  table?: readonly ChartVersion[],
): string {
  const standIn = isPinnedSource(repository, chart, version, table) ? chartStandIn(root) : undefined;
  const source = standIn?.location ?? repository;
  return /^(https?|oci):\/\//.test(source)
    ? fromRemoteRepository(source, chart, version)
    : fromLocalRepository(source, chart, version);
}
