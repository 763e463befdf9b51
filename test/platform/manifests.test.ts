import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { manifestFolder, pinnedManifest, sha256 } from "../../platform/manifests";
import { MANIFESTS } from "../../platform/versions";

const entry = MANIFESTS["feast-operator"];
const PUBLISHED = [
  "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: feast-operator-system\n",
  "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: featurestores.feast.dev\n",
].join("---\n");

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "cnai-manifests-"));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A checkout whose `.tools/reference-dir` names `reference` (or names nothing when undefined). */
function checkout(reference?: string): string {
  const root = join(scratch, "checkout");
  mkdirSync(join(root, ".tools"), { recursive: true });
  if (reference !== undefined)
    writeFileSync(join(root, ".tools", "reference-dir"), `${reference}\n../shared/reference\n`);
  return root;
}

describe("pinned manifests", () => {
  it("pins the Feast operator's published install.yaml by URL, version and sha256", () => {
    expect(entry).toEqual({
      kind: "manifest",
      url: "https://raw.githubusercontent.com/feast-dev/feast/refs/tags/v0.66.0/infra/feast-operator/dist/install.yaml",
      name: "feast-operator",
      version: "0.66.0",
      sha256: "53719ced887ef5603a703c61d89efd322ca4703564523195fd380851c1194727",
      source: "feast-dev/feast@v0.66.0:infra/feast-operator/dist/install.yaml (infra/feast-operator/README.md:32-38)",
    });
    expect(manifestFolder(entry)).toBe("manifests/feast-operator-v0.66.0");
  });

  it("reads the split copy of the reference data: its CRDs first, then the rest of the manifest", () => {
    const reference = join(scratch, "reference");
    mkdirSync(join(reference, "manifests", "feast-operator-v0.66.0"), { recursive: true });
    mkdirSync(join(reference, "crds", "feast-operator-v0.66.0"), { recursive: true });
    writeFileSync(
      join(reference, "manifests", "feast-operator-v0.66.0", "install-without-crd.yaml"),
      "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: manager\n  namespace: feast-operator-system\n",
    );
    writeFileSync(
      join(reference, "crds", "feast-operator-v0.66.0", "feast.dev_featurestores.yaml"),
      "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: featurestores.feast.dev\n",
    );
    const objects = pinnedManifest("feast-operator", { toolsDir: join(scratch, "tools"), root: checkout(reference) });
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "CustomResourceDefinition/featurestores.feast.dev",
      "ServiceAccount/manager",
    ]);
  });

  it("prefers the tools cache, and reads a downloaded file only when its sha256 is the pinned one", () => {
    const tools = join(scratch, "tools");
    const file = join(tools, "manifests", "feast-operator-v0.66.0", "install.yaml");
    mkdirSync(join(tools, "manifests", "feast-operator-v0.66.0"), { recursive: true });
    writeFileSync(file, PUBLISHED);
    expect(() => pinnedManifest("feast-operator", { toolsDir: tools, root: checkout() })).toThrow(
      `${file} has sha256 ${sha256(PUBLISHED)}, not the pinned ${entry.sha256} (${entry.url}): delete it and run 'npm run fetch:manifests' to download the pinned file again.`,
    );
  });

  it("fails with one error naming both ways to get the manifest when neither the tools cache nor a reference has it", () => {
    const tools = join(scratch, "tools");
    const root = checkout();
    expect(() => pinnedManifest("feast-operator", { toolsDir: tools, root })).toThrow(
      `The feast-operator manifest 0.66.0 (${entry.source}) is needed to synthesize this profile and was not found: not in the tools cache (${tools}/manifests/feast-operator-v0.66.0/install.yaml) and not in the reference data (none recorded in ${root}/.tools/reference-dir). Run 'npm run fetch:manifests' to download ${entry.url} into the tools cache (its sha256 is checked), or 'npm run tools' with reference data that has manifests/feast-operator-v0.66.0/.`,
    );
  });

  it("says what the recorded reference data lacks when it has no copy of the manifest", () => {
    const reference = join(scratch, "reference");
    mkdirSync(join(reference, "charts"), { recursive: true });
    expect(() =>
      pinnedManifest("feast-operator", { toolsDir: join(scratch, "tools"), root: checkout(reference) }),
    ).toThrow(
      /and not in the reference data \(.*\/reference\/manifests\/feast-operator-v0\.66\.0 has neither install\.yaml nor install-without-crd\.yaml with crds\/feast-operator-v0\.66\.0\/\)\. Run 'npm run fetch:manifests'/,
    );
  });

  it("reads the recorded reference data of this checkout by default (the shared reference here)", () => {
    const objects = pinnedManifest("feast-operator", { toolsDir: join(scratch, "tools") });
    expect(objects.filter((o) => o.kind === "CustomResourceDefinition").map((o) => o.metadata.name)).toEqual([
      "featurestores.feast.dev",
    ]);
    // The CRD, the Namespace and the twelve other objects of install.yaml.
    expect(objects).toHaveLength(14);
  });
});
