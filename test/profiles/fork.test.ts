import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allProfiles, forkDir, forkFiles, forkProfiles } from "../../profiles/fork";
import { loadProfile, selectProfiles } from "../../profiles/load";
import { inForkDir } from "../support/fork-dir";

/** A fork folder with the given files under profiles/. */
function forkWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cnai-fork-"));
  mkdirSync(join(dir, "profiles"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, "profiles", name), text);
  return dir;
}

describe("a fork's own profiles", () => {
  test("a profile extends one of ours and is named after its file", () => {
    const dir = forkWith({
      "acme-dev.yaml": 'extends: laptop\nteams:\n  vision:\n    quota: { workers: { cpu: "2", memory: 4Gi } }\n',
    });
    const profiles = forkProfiles(join(dir, "profiles"));
    expect(Object.keys(profiles)).toEqual(["acme-dev"]);
    expect(profiles["acme-dev"].name).toBe("acme-dev");
    expect(profiles["acme-dev"].cluster).toEqual({ provider: "kind", name: "cnai-laptop", controlPlanes: 1 });
    expect(Object.keys(profiles["acme-dev"].teams ?? {})).toEqual(["default", "vision"]);
  });

  test("a profile may extend another of the fork's, in any file order", () => {
    const dir = forkWith({
      "a-prod.yaml": "extends: b-base\ndescription: prod\n",
      "b-base.json": '{ "extends": "cluster-gpu", "description": "base", "cluster": { "name": "acme" } }',
    });
    const profiles = forkProfiles(join(dir, "profiles"));
    expect(profiles["a-prod"]).toMatchObject({ name: "a-prod", description: "prod", cluster: { name: "acme" } });
    expect(profiles["b-base"]).toMatchObject({ name: "b-base", description: "base" });
  });

  test("a null in the fork's profile removes the key, as in an override file", () => {
    const dir = forkWith({
      "gpu-less.yaml":
        "extends: laptop-gpu\npools: { workers: { gpu: null } }\nteams: { default: { quota: { workers: { gpu: null } } } }\n",
    });
    const profile = inForkDir(dir, () => loadProfile("gpu-less"));
    expect(profile.pools.workers.gpu).toBeUndefined();
    expect(profile.teams.default.quota.workers).toEqual({ cpu: "4", memory: "8Gi" });
  });

  test("a new cluster provider replaces our profile's cluster whole", () => {
    const dir = forkWith({
      "onprem.yaml":
        "extends: laptop\ncluster: { provider: kubeconfig, name: onprem, kubeconfig: /etc/kube/config, kubernetesVersion: '1.34' }\n",
    });
    expect(inForkDir(dir, () => loadProfile("onprem")).cluster).toEqual({
      provider: "kubeconfig",
      name: "onprem",
      kubeconfig: "/etc/kube/config",
      kubernetesVersion: "1.34",
    });
  });

  test("CNAI_PROFILE selects a fork's profile, and all lists ours first, then the fork's", () => {
    const dir = forkWith({ "acme-dev.yaml": "extends: laptop\n" });
    inForkDir(dir, () => {
      expect(selectProfiles("acme-dev")).toEqual(["acme-dev"]);
      expect(selectProfiles("all").slice(-2)).toEqual(["multicloud-gpu", "acme-dev"]);
      expect(forkDir()).toBe(dir);
    });
  });

  test("a fork folder without profiles adds none, and files other than YAML and JSON are not profiles", () => {
    expect(forkProfiles(join(tmpdir(), "cnai-no-such-fork"))).toEqual({});
    const dir = forkWith({ "notes.md": "# notes\n", "acme.yml": "extends: laptop\n" });
    expect(forkFiles(join(dir, "profiles")).map((f) => f.slice(dir.length))).toEqual(["/profiles/acme.yml"]);
    expect(Object.keys(allProfiles(join(dir, "profiles")))).toContain("acme");
  });

  test("a broken fork file never stops loading one of our profiles", () => {
    const dir = forkWith({ "broken.yaml": "extends: nothing-like-this\n" });
    expect(inForkDir(dir, () => loadProfile("laptop")).name).toBe("laptop");
  });

  test("a fork profile's problems are reported under its name, with the path", () => {
    const dir = forkWith({ "acme.yaml": "extends: laptop\nteams:\n  vision:\n    quotaa: {}\n" });
    expect(() => inForkDir(dir, () => loadProfile("acme"))).toThrow(
      /Profile "acme" is invalid[\s\S]*teams\.vision\.quotaa: got \{\}; unknown key; allowed keys here: namespace/,
    );
  });
});

describe("refused fork files", () => {
  const refused = (files: Record<string, string>) => () => forkProfiles(join(forkWith(files), "profiles"));

  test("a missing extends names the profiles it may start from", () => {
    expect(refused({ "acme.yaml": "description: x\n" })).toThrow(
      /acme\.yaml: extends is missing; name the profile this one starts from, one of: laptop, laptop-gpu,/,
    );
  });

  test("an unknown extends names the value and the profiles there are", () => {
    expect(refused({ "acme.yaml": "extends: laptpo\n" })).toThrow(
      /acme\.yaml: extends "laptpo" is not a profile; use one of: laptop, laptop-gpu, .*multicloud-gpu, acme\./,
    );
  });

  test("profiles that extend each other in a circle are refused with the circle", () => {
    expect(refused({ "a.yaml": "extends: b\n", "b.yaml": "extends: a\n" })).toThrow(
      /a\.yaml: extends "b" is circular \(a → b → a\)|b\.yaml: extends "a" is circular \(a → b → a\)/,
    );
  });

  test("one of our names is refused: a fork's profile needs a name of its own", () => {
    expect(refused({ "laptop.yaml": "extends: laptop\n" })).toThrow(
      /laptop\.yaml: "laptop" is one of the distribution's profiles; give the fork's profile a name of its own \(rename the file\) and set extends: laptop\./,
    );
  });

  test("a name field that differs from the file name is refused", () => {
    expect(refused({ "acme.yaml": "extends: laptop\nname: other\n" })).toThrow(
      /acme\.yaml: name is "other" but a fork profile is named after its file \("acme"\); remove name or rename the file\./,
    );
  });

  test("a file name that is no profile name is refused with the naming rule", () => {
    expect(refused({ "Acme_Dev.yaml": "extends: laptop\n" })).toThrow(
      /Acme_Dev\.yaml: the file name "Acme_Dev" is the profile's name; use at most 63 lowercase letters/,
    );
  });

  test("a file that is not a mapping is refused as an override file is", () => {
    expect(refused({ "acme.yaml": "- extends: laptop\n" })).toThrow(
      /acme\.yaml: expected a mapping of profile keys at the top level, got a list\./,
    );
  });
});
