import { parseArgs } from "../../scripts/local";

describe("the arguments of npm run local", () => {
  test("--name in either form picks the cluster; the rest stay in order", () => {
    expect(parseArgs(["cluster-gpu", "--name", "gpu"])).toEqual({ name: "gpu", rest: ["cluster-gpu"], command: [] });
    expect(parseArgs(["--name=gpu", "cluster-gpu"])).toEqual({ name: "gpu", rest: ["cluster-gpu"], command: [] });
  });

  test("without --name the cluster is called local", () => {
    expect(parseArgs(["laptop"])).toEqual({ name: "local", rest: ["laptop"], command: [] });
  });

  test("everything after -- is the command exec runs, --name included", () => {
    expect(parseArgs(["--name", "gpu", "--", "kubectl", "get", "nodes", "--name", "x"])).toEqual({
      name: "gpu",
      rest: [],
      command: ["kubectl", "get", "nodes", "--name", "x"],
    });
  });

  test("--name without a value says so", () => {
    expect(() => parseArgs(["up", "--name"])).toThrow(/--name needs a value\. usage: npm run local -- up <profile>/);
  });
});
