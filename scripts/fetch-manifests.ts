/**
 * Downloads the pinned upstream manifests (MANIFESTS in platform/versions.ts) and checks each one's sha256:
 *   npm run fetch:manifests                  into the tools cache, where synthesis reads them (platform/manifests.ts)
 *   npm run fetch:manifests -- --out <dir>   into <dir>/manifests/<name>-v<version>/install.yaml
 *   npm run fetch:manifests -- --missing     only those synthesis cannot read yet (neither the tools cache nor the
 *                                            recorded reference data has them); `npm run tools` runs this, so a fork
 *                                            without reference data gets them on its first test run
 * A file already in place with the pinned digest is kept. Each file is written beside its target and renamed into
 * place only after its digest matched, so a failed download leaves nothing. Needs network access to the URLs
 * (raw.githubusercontent.com); one line on stderr and exit code 1 when a download fails or its digest differs.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { manifestFolder, pinnedManifest, sha256 } from "../platform/manifests";
import type { ManifestKey, ManifestVersion } from "../platform/versions";
import { MANIFESTS } from "../platform/versions";
import { toolsDir, ToolError } from "../verify/charts";

const TIMEOUT_MS = 60_000;

/** Downloads one manifest into `<out>/manifests/<name>-v<version>/install.yaml`; returns the file's path. */
export async function fetchManifest(entry: ManifestVersion, out: string): Promise<string> {
  const dir = join(out, manifestFolder(entry));
  const file = join(dir, "install.yaml");
  if (existsSync(file) && sha256(readFileSync(file, "utf8")) === entry.sha256) return file;
  let text: string;
  try {
    const response = await fetch(entry.url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new ToolError(`${entry.url} answered ${response.status} ${response.statusText}`);
    text = await response.text();
  } catch (error) {
    if (error instanceof ToolError) throw error;
    throw new ToolError(`could not download ${entry.url}: ${(error as Error).message}`);
  }
  const digest = sha256(text);
  if (digest !== entry.sha256) {
    throw new ToolError(
      `${entry.url} has sha256 ${digest}, not the pinned ${entry.sha256}: the published file changed; check it and update MANIFESTS in platform/versions.ts`,
    );
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${file}.${process.pid}`, text);
  renameSync(`${file}.${process.pid}`, file);
  return file;
}

/** Whether synthesis can read the manifest already (platform/manifests.ts throws when it cannot). */
function readable(key: ManifestKey): boolean {
  try {
    pinnedManifest(key);
    return true;
  } catch {
    return false;
  }
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const out = resolve(argument("--out") ?? toolsDir());
  const missingOnly = process.argv.includes("--missing");
  for (const [key, entry] of Object.entries(MANIFESTS) as [ManifestKey, ManifestVersion][]) {
    if (missingOnly && readable(key)) {
      console.log(`${entry.name} ${entry.version}: already readable (tools cache or reference data)`);
      continue;
    }
    console.log(`${entry.name} ${entry.version}: ${await fetchManifest(entry, out)}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (!(error instanceof ToolError)) throw error;
    console.error(`fetch-manifests: ${error.message}`);
    process.exitCode = 1;
  });
}
