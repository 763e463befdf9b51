import { stringify } from "yaml";
import { kueueConfiguration, kueueFrameworks } from "../../../platform/components/kueue";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { localKueueConfiguration, localKueueFeatureGates } from "../../../scripts/local/kueue";

function configYaml(profileName: string): string {
  return stringify(kueueConfiguration(false, [], kueueFrameworks(contextFor(loadProfile(profileName)))));
}

describe("the local Kueue process", () => {
  test("turns the visibility API off, and on the gates of the alpha integrations its Configuration lists", () => {
    expect(localKueueFeatureGates(configYaml("laptop"))).toBe("VisibilityOnDemand=false");
    expect(localKueueFeatureGates(configYaml("cluster-gpu"))).toBe(
      "VisibilityOnDemand=false,SparkApplicationIntegration=true",
    );
  });

  test("keeps the platform's Configuration but for the webhook, health and metrics addresses and leader election", () => {
    const local = localKueueConfiguration(configYaml("cluster-gpu"), "/certs");
    expect(local).toMatchObject({
      internalCertManagement: { enable: false },
      leaderElection: { leaderElect: false },
      webhook: { host: "127.0.0.1", certDir: "/certs" },
      integrations: { frameworks: kueueFrameworks(contextFor(loadProfile("cluster-gpu"))) },
    });
  });
});
