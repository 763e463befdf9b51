import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordedReferenceDir } from "../../verify/reference";

describe("the reference directory recorded by npm run tools", () => {
  const root = mkdtempSync(join(tmpdir(), "cnai-record-"));
  const record = join(root, ".tools/reference-dir");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("a missing record fails with one message that says to run npm run tools", () => {
    expect(() => recordedReferenceDir(root)).toThrow(
      `No reference data chosen yet: ${record} does not exist. Run 'npm run tools' (npm test runs it first): it takes CNAI_REFERENCE_DIR, else ../shared/reference, else fetches the pinned charts with helm, and records the choice there.`,
    );
  });

  test("the record gives the folder and how it was chosen", () => {
    mkdirSync(join(root, "data"));
    mkdirSync(join(root, ".tools"));
    writeFileSync(record, `${join(root, "data")}\nCNAI_REFERENCE_DIR\n`);
    expect(recordedReferenceDir(root)).toEqual({ dir: join(root, "data"), how: "CNAI_REFERENCE_DIR" });
  });

  test("a recorded folder that is gone fails with the path and the fix", () => {
    writeFileSync(record, "/nonexistent/reference\n../shared/reference\n");
    expect(() => recordedReferenceDir(root)).toThrow(
      `The reference data recorded in ${record} is gone: "/nonexistent/reference" (../shared/reference) does not exist. Run 'npm run tools' again to choose it anew.`,
    );
  });
});
