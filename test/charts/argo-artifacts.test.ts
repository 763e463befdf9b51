import { Testing } from "cdk8s";
import { parse } from "yaml";
import { ArgoArtifactsChart, s3ArtifactRepository } from "../../charts/argo-artifacts";
import type { Manifest } from "../support/render";

const STORE = {
  endpoint: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
  region: "us-east-1",
  credentialsSecret: "object-store-credentials",
};

describe("ArgoArtifactsChart", () => {
  test("one artifact-repositories ConfigMap per team namespace, its default entry on the team's bucket", () => {
    const chart = new ArgoArtifactsChart(Testing.app(), "artifacts", {
      store: STORE,
      teams: [
        { namespace: "team-a", bucket: "team-a" },
        { namespace: "team-b", bucket: "team-b" },
      ],
    });
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name, o.metadata.annotations])).toEqual([
      [
        "ConfigMap",
        "team-a",
        "artifact-repositories",
        { "workflows.argoproj.io/default-artifact-repository": "default-v1" },
      ],
      [
        "ConfigMap",
        "team-b",
        "artifact-repositories",
        { "workflows.argoproj.io/default-artifact-repository": "default-v1" },
      ],
    ]);
    expect(parse((objects[1].data as Record<string, string>)["default-v1"])).toEqual({
      s3: {
        bucket: "team-b",
        endpoint: "seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
        insecure: true,
        region: "us-east-1",
        accessKeySecret: { name: "object-store-credentials", key: "AWS_ACCESS_KEY_ID" },
        secretKeySecret: { name: "object-store-credentials", key: "AWS_SECRET_ACCESS_KEY" },
      },
    });
  });

  test("an https endpoint is not insecure, and the default port stays implicit", () => {
    expect(s3ArtifactRepository({ ...STORE, endpoint: "https://s3.example.com" }, "b")).toMatchObject({
      s3: { endpoint: "s3.example.com", insecure: false },
    });
  });
});
