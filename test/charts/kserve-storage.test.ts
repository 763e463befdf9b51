import { Testing } from "cdk8s";
import { KserveStorageChart } from "../../charts/kserve-storage";

describe("KserveStorageChart", () => {
  test("renders one ServiceAccount in the given namespace that lists the credentials Secret", () => {
    const chart = new KserveStorageChart(Testing.app(), "storage", {
      namespace: "ml-team",
      serviceAccountName: "models-reader",
      credentialsSecret: "s3-credentials",
    });
    expect(Testing.synth(chart)).toEqual([
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "models-reader", namespace: "ml-team" },
        secrets: [{ name: "s3-credentials" }],
      },
    ]);
  });
});
