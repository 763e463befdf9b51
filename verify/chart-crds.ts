/**
 * CRDs shipped inside the pinned chart archives: the fallback of the conformance check (verify/upstream.ts)
 * for a custom resource whose CRD the reference directory lacks, e.g. the Prometheus Operator's PodMonitor,
 * which kube-prometheus-stack ships in its subchart's `charts/crds/crds/`. Every YAML file under the `crds/`
 * directory of the chart or a subchart counts (Helm installs those unrendered); CRDs rendered from templates
 * do not.
 *
 * The archive of a release is the one the render uses (verify/charts.ts `chartArchive`: the chart mirror
 * or offline stand-in on this machine, else a pull with helm into the tools cache). Each archive is read
 * once per process with the system `tar`, only when a custom resource needs it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { PlannedStep } from "../platform/graph";
import { CHARTS } from "../platform/versions";
import type { Profile } from "../profiles/schema";
import { chartArchive } from "./charts";
import type { CrdVersionSchema } from "./reference";
import { crdsInYaml } from "./reference";

/** The CRDs of one pinned chart archive, or why it could not be read; the archive is read on first use. */
export interface ChartArchiveCrds {
  /** `<chart>-<version>`, as the reference directory names charts. */
  readonly name: string;
  /** Every version of the CRD for this group and kind that the archive ships (none when unreadable). */
  crdsOf(group: string, kind: string): CrdVersionSchema[];
  /** Why the archive could not be found or read, once `crdsOf` was called; else undefined. */
  error(): string | undefined;
}

/**
 * A path inside a chart archive that Helm installs as a CRD: a YAML file under the `crds/` directory of
 * the chart or of a subchart (`<chart>/charts/<sub>/crds/…`); not a `crds/` folder among the templates.
 */
export function isCrdPath(path: string): boolean {
  return /^[^/]+(\/charts\/[^/]+)*\/crds\/.+\.ya?ml$/.test(path);
}

/** A YAML file of an archive's `crds/` directories; `file` is `<archive file name>:<path inside>`. */
interface CrdFile {
  readonly file: string;
  readonly text: string;
  parsed?: CrdVersionSchema[];
}

/** The YAML files in the `crds/` directories of a chart archive (`.tgz`), extracted with `tar`. */
export function archiveCrdFiles(archive: string): CrdFile[] {
  const members = execFileSync("tar", ["-tzf", archive], { encoding: "utf8", maxBuffer: 1 << 26 })
    .split("\n")
    .filter(isCrdPath);
  if (members.length === 0) return [];
  const dir = mkdtempSync(join(tmpdir(), "cnai-chart-crds-"));
  try {
    execFileSync("tar", ["-xzf", archive, "-C", dir, "--", ...members], { stdio: ["ignore", "ignore", "pipe"] });
    return members.map((member) => ({
      file: `${basename(archive)}:${member}`,
      text: readFileSync(join(dir, member), "utf8"),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The CRDs of `group` and `kind` in the files. Only files that name both are parsed (parsing every
 * CRD of a chart takes seconds: kube-prometheus-stack ships 4 MB of them); the parse is kept.
 */
function crdsOf(files: readonly CrdFile[], group: string, kind: string): CrdVersionSchema[] {
  const value = (key: string, text: string) =>
    new RegExp(`["']?${key}["']?\\s*:\\s*["']?${escapeRegExp(text)}["']?\\s*($|[,}])`, "m");
  const names = [value("group", group), value("kind", kind)];
  return files
    .filter((f) => names.every((pattern) => pattern.test(f.text)))
    .flatMap((f) => (f.parsed ??= crdsInYaml(f.text, f.file)))
    .filter((c) => c.group === group && c.kind === kind);
}

/** Finds the local archive of a chart: verify/charts.ts `chartArchive`, or a stand-in in tests. */
export type ArchiveLocator = (repository: string, chart: string, version: string) => string;

/** Per process: archive path → the YAML files of its `crds/` directories (each archive extracted once). */
const filesByArchive = new Map<string, CrdFile[]>();

export class ChartCrds {
  private readonly locate: ArchiveLocator;
  /** `<repository> <chart> <version>` → the CRD files of its archive, or why there are none. */
  private readonly shippedByChart = new Map<string, { files: CrdFile[]; error?: string }>();

  /** `root`: the repository checkout, which decides where chart archives come from (verify/charts.ts). */
  constructor(root: string, locate?: ArchiveLocator) {
    this.locate = locate ?? ((repository, chart, version) => chartArchive(root, repository, chart, version));
  }

  /**
   * The CRDs shipped in the archives of the profile's upstream releases, one entry per chart in plan order,
   * from the repository the profile installs from (its chart mirror, else the chart's pinned one).
   */
  forSteps(profile: Profile, steps: readonly PlannedStep[]): ChartArchiveCrds[] {
    const keys = [...new Set(steps.flatMap(({ step }) => (step.kind === "upstream" ? [step.chart] : [])))];
    return keys.map((key) => {
      const { repository, chart, version } = CHARTS[key];
      const shipped = () => this.shipped(profile.mirror.charts ?? repository, chart, version);
      return {
        name: `${chart}-${version}`,
        crdsOf: (group: string, kind: string) => crdsOf(shipped().files, group, kind),
        error: () => shipped().error,
      };
    });
  }

  private shipped(repository: string, chart: string, version: string): { files: CrdFile[]; error?: string } {
    const key = `${repository} ${chart} ${version}`;
    let shipped = this.shippedByChart.get(key);
    if (!shipped) {
      let archive: string | undefined;
      try {
        archive = this.locate(repository, chart, version);
        let files = filesByArchive.get(archive);
        if (!files) filesByArchive.set(archive, (files = archiveCrdFiles(archive)));
        shipped = { files };
      } catch (error) {
        const message = (error as Error).message.split("\n")[0];
        shipped = { files: [], error: archive ? `reading ${archive} failed: ${message}` : message };
      }
      this.shippedByChart.set(key, shipped);
    }
    return shipped;
  }
}
