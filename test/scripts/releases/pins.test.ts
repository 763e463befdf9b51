import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { diffPins, pinChangesMarkdown, pinsAt, type Pin } from "../../../scripts/releases/pins";
import { makeRepo, versionsTs } from "../../support/git-repo";

const chart = (key: string, version: string, from = "https://charts.example.com"): Pin => ({
  table: "CHARTS",
  key,
  version,
  from,
});

describe("pinned versions", () => {
  test("platform/versions.ts imports nothing, so the table at any commit can be read on its own", () => {
    expect(readFileSync(resolve(__dirname, "../../../platform/versions.ts"), "utf8")).not.toMatch(/^\s*import\s/m);
  });

  test("the pins at each commit come from that commit's version table, none where it has no table", () => {
    const repo = makeRepo();
    try {
      const first = repo.commit("No table yet", { "a.txt": "a" });
      const second = repo.commit("Table", { "platform/versions.ts": versionsTs({ kueue: "0.19.2" }) });
      expect(pinsAt(repo.root, [first, second])).toEqual([
        [],
        [
          { table: "PROVIDERS", key: "helm", version: "3.1.1", from: "hashicorp/helm" },
          chart("kueue", "0.19.2"),
          { table: "IMAGES", key: "tool", version: "1.0.0", from: "example.com/tool" },
        ],
      ]);
    } finally {
      repo.remove();
    }
  });

  test("the diff lists pins added, removed and changed, a moved source shown beside its version", () => {
    const before = [chart("jobset", "0.11.0"), chart("kueue", "0.19.2"), chart("qdrant", "1.0.0")];
    const after = [chart("jobset", "0.12.0"), chart("milvus", "5.0.19"), chart("qdrant", "1.0.0", "oci://mirror")];
    const changes = diffPins(before, after);
    expect(changes.map((c) => [c.key, c.before?.version, c.after?.version])).toEqual([
      ["jobset", "0.11.0", "0.12.0"],
      ["kueue", "0.19.2", undefined],
      ["milvus", undefined, "5.0.19"],
      ["qdrant", "1.0.0", "1.0.0"],
    ]);
    expect(pinChangesMarkdown(changes)).toBe(
      [
        "| pin | before | after |",
        "|---|---|---|",
        "| chart `jobset` | 0.11.0 | 0.12.0 |",
        "| chart `kueue` | 0.19.2 | — |",
        "| chart `milvus` | — | 5.0.19 |",
        "| chart `qdrant` | 1.0.0 (https://charts.example.com) | 1.0.0 (oci://mirror) |",
      ].join("\n"),
    );
    expect(pinChangesMarkdown(diffPins(before, before))).toBe("No pinned version changed.");
  });
});
