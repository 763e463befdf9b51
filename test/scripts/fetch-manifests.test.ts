import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchManifest } from "../../scripts/fetch-manifests";
import type { ManifestVersion } from "../../platform/versions";
import type { StaticServer } from "../support/helm-repo";
import { serve } from "../support/helm-repo";

const TEXT = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: manager\n";
const DIGEST = createHash("sha256").update(TEXT).digest("hex");

let scratch: string;
let server: StaticServer;
beforeEach(async () => {
  scratch = mkdtempSync(join(tmpdir(), "cnai-fetch-manifests-"));
  mkdirSync(join(scratch, "site"));
  writeFileSync(join(scratch, "site", "install.yaml"), TEXT);
  server = await serve(join(scratch, "site"));
});
afterEach(async () => {
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
});

function entry(overrides: Partial<ManifestVersion> = {}): ManifestVersion {
  return {
    kind: "manifest",
    url: `${server.url}/install.yaml`,
    name: "demo-operator",
    version: "1.2.3",
    sha256: DIGEST,
    source: "example/demo@v1.2.3:install.yaml",
    ...overrides,
  };
}

describe("fetch-manifests", () => {
  it("downloads the pinned URL into manifests/<name>-v<version>/install.yaml when its sha256 matches", async () => {
    const out = join(scratch, "tools");
    const file = await fetchManifest(entry(), out);
    expect(file).toBe(join(out, "manifests", "demo-operator-v1.2.3", "install.yaml"));
    expect(readFileSync(file, "utf8")).toBe(TEXT);
    expect(readdirSync(join(out, "manifests", "demo-operator-v1.2.3"))).toEqual(["install.yaml"]);
  });

  it("keeps a file already in place with the pinned digest and asks nothing", async () => {
    const out = join(scratch, "tools");
    await fetchManifest(entry(), out);
    await fetchManifest(entry(), out);
    expect(server.requests).toEqual(["/install.yaml"]);
  });

  it("refuses a download whose sha256 differs from the pin and writes nothing", async () => {
    const out = join(scratch, "tools");
    await expect(fetchManifest(entry({ sha256: "0".repeat(64) }), out)).rejects.toThrow(
      `${server.url}/install.yaml has sha256 ${DIGEST}, not the pinned ${"0".repeat(64)}: the published file changed; check it and update MANIFESTS in platform/versions.ts`,
    );
    expect(existsSync(join(out, "manifests"))).toBe(false);
  });

  it("names the URL and the status when the server does not have the file", async () => {
    await expect(fetchManifest(entry({ url: `${server.url}/missing.yaml` }), join(scratch, "tools"))).rejects.toThrow(
      `${server.url}/missing.yaml answered 404 Not Found`,
    );
  });
});
