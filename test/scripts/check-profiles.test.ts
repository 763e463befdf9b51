import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkProfiles } from "../../scripts/check-profiles";
import { inForkDir } from "../support/fork-dir";

/** Runs the check over a fork folder with these files (paths relative to it). */
function checkFork(files: Record<string, string>): ReturnType<typeof checkProfiles> {
  const dir = mkdtempSync(join(tmpdir(), "cnai-check-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return inForkDir(dir, checkProfiles);
}

describe("checking a fork's profiles after a merge", () => {
  test("every profile, ours and the fork's, and each override file over its profile is checked", () => {
    const results = checkFork({
      "profiles/acme.yaml": "extends: laptop\n",
      "overrides/acme.ci.yaml": "mirror: { images: registry.acme.example/mirror }\n",
      "overrides/cluster-gpu.yaml": "teams: { research: { weight: 2 } }\n",
    });
    expect(results.map((r) => r.what.replace(/ [^ ]*overrides\//, " overrides/"))).toEqual([
      "profile laptop",
      "profile laptop-gpu",
      "profile workstation-gpu",
      "profile cluster-gpu",
      "profile cluster-gpu-dra",
      "profile eks-gpu",
      "profile gke-gpu",
      "profile aks-gpu",
      "profile multicloud-gpu",
      "profile acme",
      "override overrides/acme.ci.yaml over acme",
      "override overrides/cluster-gpu.yaml over cluster-gpu",
    ]);
    expect(results.filter((r) => r.problem)).toEqual([]);
  });

  test("an override file named after no profile fails with the naming rule", () => {
    const [failed] = checkFork({ "overrides/acme.ci.yaml": "mirror: {}\n" }).filter((r) => r.problem);
    expect(failed.problem).toMatch(
      /acme\.ci\.yaml: an override file is named after the profile it applies to \(<profile>\.yaml or <profile>\.<label>\.yaml\), and "acme" is not a profile; known: laptop,/,
    );
  });

  test("every invalid file is reported, not only the first", () => {
    const failed = checkFork({
      "profiles/acme.yaml": "extends: laptop\nteams: { default: { weigth: 2 } }\n",
      "overrides/laptop.yaml": "pools: { workers: { nodes: -1 } }\n",
    }).filter((r) => r.problem);
    expect(failed.map((r) => r.what.replace(/ [^ ]*overrides\//, " overrides/"))).toEqual([
      "profile acme",
      "override overrides/laptop.yaml over laptop",
    ]);
    expect(failed[0].problem).toMatch(/teams\.default\.weigth: got 2; unknown key/);
    expect(failed[1].problem).toMatch(/pools\.workers\.nodes: got -1/);
  });

  test("a broken fork profile is one failure that names the file", () => {
    expect(checkFork({ "profiles/acme.yaml": "extends: nothing\n" })).toEqual([
      { what: "fork profiles", problem: expect.stringMatching(/acme\.yaml: extends "nothing" is not a profile/) },
    ]);
  });
});
