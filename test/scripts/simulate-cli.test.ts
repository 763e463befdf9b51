import { parseSimulateArgs } from "../../scripts/simulate";
import { deadlineMs, kueueReleaseObjects } from "../../scripts/local/simulate";

describe("npm run simulate", () => {
  test("takes one profile, an optional workload file and output folder, and --keep", () => {
    expect(parseSimulateArgs(["cluster-gpu", "--workload", "mix.yaml", "--keep"])).toEqual({
      profile: "cluster-gpu",
      workload: "mix.yaml",
      keep: true,
    });
    expect(parseSimulateArgs(["--out", "/tmp/x", "laptop"])).toEqual({ profile: "laptop", out: "/tmp/x", keep: false });
  });

  test("refuses a missing value, an unknown option and anything but one profile, with the usage", () => {
    expect(() => parseSimulateArgs(["cluster-gpu", "--workload"])).toThrow(/--workload needs a value\. usage: /);
    expect(() => parseSimulateArgs(["cluster-gpu", "--fast"])).toThrow(/unknown option --fast\. usage: /);
    expect(() => parseSimulateArgs(["a", "b"])).toThrow(/give exactly one profile, got 2\. usage: /);
  });

  test("gives up after twice an ideal schedule plus a minute, in real milliseconds", () => {
    const workload = { team: "t", kind: "job" as const, pool: "p", gpus: 1, replicas: 1, priority: "batch" as const };
    const plan = {
      profile: "x",
      timeScale: 60,
      source: "derived",
      workloads: [
        { ...workload, name: "a", duration: 10, arrival: 0 },
        { ...workload, name: "b", duration: 20, arrival: 5 },
      ],
    };
    // last arrival 5 + longest 20 + 2 × 30 serial minutes over one lane = 85 minutes = 85 s, plus 60 s.
    expect(deadlineMs(plan)).toBe(145_000);
  });

  test("applies the kueue release without the Deployment, its ServiceMonitor and the visibility APIServices, CRDs first", () => {
    const object = (kind: string, name: string) => ({ apiVersion: "v1", kind, metadata: { name } });
    expect(
      kueueReleaseObjects([
        object("Deployment", "kueue-controller-manager"),
        object("ConfigMap", "kueue-manager-config"),
        object("CustomResourceDefinition", "workloads.kueue.x-k8s.io"),
        object("APIService", "v1beta2.visibility.kueue.x-k8s.io"),
        object("ServiceMonitor", "kueue"),
      ]),
    ).toEqual({
      crds: [object("CustomResourceDefinition", "workloads.kueue.x-k8s.io")],
      rest: [object("ConfigMap", "kueue-manager-config")],
    });
  });
});
