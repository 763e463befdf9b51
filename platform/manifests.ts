/**
 * Pinned upstream manifests (MANIFESTS in versions.ts) as Kubernetes objects, read at synthesis by the components
 * that install them (the Feast operator, which has no Helm chart). The file is data: the repository holds only its
 * URL and digest, never a copy. The first of these that exists is read:
 *  1. the tools cache: `${CNAI_TOOLS_DIR:-~/.cache/cnai-tools}/manifests/<name>-v<version>/install.yaml`, written by
 *     `npm run fetch:manifests` (scripts/fetch-manifests.ts) from the pinned URL; its sha256 must match the pin;
 *  2. the reference data `npm run tools` recorded (`.tools/reference-dir`, verify/reference.ts):
 *     `manifests/<name>-v<version>/install.yaml` (`npm run fetch:manifests -- --out <reference dir>` writes it; sha256 checked), or the
 *     split copy `../shared/reference` holds: `install-without-crd.yaml` plus its CRDs under `crds/<name>-v<version>/`.
 * With neither, synthesis fails with one error that names both ways.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import { REFERENCE_RECORD } from "../verify/reference";
import type { ManifestKey, ManifestVersion } from "./versions";
import { MANIFESTS } from "./versions";

// The parsed objects' type lives with the charts that render them (charts must not import the platform).
import type { ManifestObject } from "../charts/feast";
export type { ManifestObject };

/** Where to look; the defaults are the user's tools cache and this checkout. */
export interface ManifestSources {
  /** @default $CNAI_TOOLS_DIR, else ~/.cache/cnai-tools */
  readonly toolsDir?: string;
  /** The checkout whose `.tools/reference-dir` names the reference data. @default this checkout */
  readonly root?: string;
}

/** `manifests/<name>-v<version>`: the folder of a pinned manifest in the tools cache and in the reference data. */
export function manifestFolder(entry: ManifestVersion): string {
  return join("manifests", `${entry.name}-v${entry.version}`);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function objectsOf(text: string): ManifestObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as ManifestObject | null)
    .filter((o): o is ManifestObject => o !== null && typeof o === "object" && typeof o.kind === "string");
}

/** The published file, if its digest is the pinned one; a different file is an error, never silently used. */
function readPublished(entry: ManifestVersion, file: string): ManifestObject[] {
  const text = readFileSync(file, "utf8");
  const digest = sha256(text);
  if (digest !== entry.sha256) {
    throw new Error(
      `${file} has sha256 ${digest}, not the pinned ${entry.sha256} (${entry.url}): delete it and run 'npm run fetch:manifests' to download the pinned file again.`,
    );
  }
  return objectsOf(text);
}

function recordedReference(root: string): string | undefined {
  const record = join(root, REFERENCE_RECORD);
  if (!existsSync(record)) return undefined;
  const dir = readFileSync(record, "utf8").split("\n")[0];
  return dir !== "" && existsSync(dir) ? dir : undefined;
}

/** The reference data's copy: the published file, or the manifest without its CRDs plus the CRD files. */
function fromReference(entry: ManifestVersion, dir: string): ManifestObject[] | undefined {
  const folder = join(dir, manifestFolder(entry));
  if (existsSync(join(folder, "install.yaml"))) return readPublished(entry, join(folder, "install.yaml"));
  const rest = join(folder, "install-without-crd.yaml");
  const crdFolder = join(dir, "crds", `${entry.name}-v${entry.version}`);
  if (!existsSync(rest) || !existsSync(crdFolder)) return undefined;
  const crds = readdirSync(crdFolder)
    .filter((file) => file.endsWith(".yaml"))
    .sort()
    .flatMap((file) => objectsOf(readFileSync(join(crdFolder, file), "utf8")));
  return [...crds, ...objectsOf(readFileSync(rest, "utf8"))];
}

/**
 * The objects of a pinned manifest, in file order (a split reference copy: CRDs first). Throws one error naming
 * how to get the file when neither the tools cache nor the reference data has it.
 */
export function pinnedManifest(key: ManifestKey, sources: ManifestSources = {}): ManifestObject[] {
  const entry: ManifestVersion = MANIFESTS[key];
  const toolsDir = sources.toolsDir ?? (process.env.CNAI_TOOLS_DIR || join(homedir(), ".cache", "cnai-tools"));
  const root = sources.root ?? resolve(__dirname, "..");
  const cached = join(toolsDir, manifestFolder(entry), "install.yaml");
  if (existsSync(cached)) return readPublished(entry, cached);
  const reference = recordedReference(root);
  const objects = reference === undefined ? undefined : fromReference(entry, reference);
  if (objects !== undefined) return objects;
  throw new Error(
    `The ${key} manifest ${entry.version} (${entry.source}) is needed to synthesize this profile and was not found: not in the tools cache (${cached}) and not in the reference data (${
      reference === undefined
        ? `none recorded in ${join(root, REFERENCE_RECORD)}`
        : `${join(reference, manifestFolder(entry))} has neither install.yaml nor install-without-crd.yaml with crds/${entry.name}-v${entry.version}/`
    }). Run 'npm run fetch:manifests' to download ${entry.url} into the tools cache (its sha256 is checked), or 'npm run tools' with reference data that has ${manifestFolder(entry)}/.`,
  );
}
