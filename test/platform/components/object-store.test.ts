import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadProfile } from "../../../profiles/load";
import type { UpstreamRelease } from "../../../platform/component";
import {
  OBJECT_STORE_NAMESPACE,
  S3_CREDENTIALS_SECRET,
  objectStore,
  objectStoreEndpoint,
  objectStoreRegion,
  teamS3Secrets,
  s3CredentialsSecretName,
} from "../../../platform/components/object-store";
import { contextFor } from "../../../platform/graph";
import { chartReferenceDir, unknownValuePaths } from "../../support/reference";

const EXTERNAL_STORE = {
  components: { "object-store": { lifecycle: "external" } },
  external: {
    objectStore: { endpoint: "https://s3.eu-west-1.amazonaws.com", region: "eu-west-1", credentialsSecret: "aws-s3" },
  },
};

function releaseFor(override?: unknown): UpstreamRelease {
  const [step] = objectStore.steps(contextFor(loadProfile("laptop", override)));
  return step as UpstreamRelease;
}

const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};
const CONTAINER_SECURITY = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true };

describe("object-store", () => {
  it("exports the namespace and the credentials Secret name the readers use", () => {
    expect([OBJECT_STORE_NAMESPACE, S3_CREDENTIALS_SECRET]).toEqual(["object-store", "object-store-credentials"]);
  });

  it("installs SeaweedFS all-in-one with authenticated S3, the profile's buckets and small persistence", () => {
    const release = releaseFor();
    expect({ ...release, values: undefined }).toEqual({
      kind: "upstream",
      name: "seaweedfs",
      namespace: "object-store",
      chart: "seaweedfs",
      primary: true,
      onFailedInstall: "keep",
      values: undefined,
    });
    expect(release.values).toEqual({
      global: { seaweedfs: { monitoring: { enabled: true } } },
      master: { enabled: false },
      volume: { enabled: false },
      filer: {
        enabled: false,
        podSecurityContext: { enabled: true, ...POD_SECURITY },
        containerSecurityContext: { enabled: true, ...CONTAINER_SECURITY },
      },
      allInOne: {
        enabled: true,
        s3: {
          enabled: true,
          port: 8333,
          enableAuth: true,
          existingConfigSecret: "seaweedfs-s3-config",
          createBuckets: [{ name: "mlflow-artifacts" }, { name: "models" }, { name: "team-default" }],
          createBucketsHook: {
            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
          },
        },
        data: { type: "persistentVolumeClaim", size: "5Gi" },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        podSecurityContext: { enabled: true, ...POD_SECURITY },
        containerSecurityContext: { enabled: true, ...CONTAINER_SECURITY },
      },
    });
  });

  it("creates the buckets the profile names", () => {
    const release = releaseFor({ buckets: { mlflowArtifacts: "tracking", models: "registry" } });
    const allInOne = release.values.allInOne as { s3: { createBuckets: unknown } };
    expect(allInOne.s3.createBuckets).toEqual([{ name: "tracking" }, { name: "registry" }, { name: "team-default" }]);
  });

  it("sets only keys of the pinned values.yaml (createBuckets as documented in verify/values-keys.ts)", () => {
    expect(unknownValuePaths("seaweedfs", releaseFor().values)).toEqual([]);
  });

  it("relies on allInOne.s3.createBuckets, which the pinned values.yaml documents only in a comment", () => {
    const text = readFileSync(join(chartReferenceDir("seaweedfs"), "values.yaml"), "utf8");
    const allInOneSection = text.slice(text.indexOf("\nallInOne:"), text.indexOf("\ncosi:"));
    expect(allInOneSection).toContain("    # createBuckets:\n    #   - name: bucket-a\n");
  });

  it("turns the ServiceMonitor off when observability is disabled", () => {
    const release = releaseFor({ components: { observability: { lifecycle: "disabled" } } });
    expect(release.values.global).toEqual({ seaweedfs: { monitoring: { enabled: false } } });
  });

  it("fills the gateway's identities file with one identity per holder, each scoped to its own bucket", () => {
    const secrets = objectStore.secrets?.(contextFor(loadProfile("workstation-gpu"))) ?? [];
    expect(secrets.map((s) => ({ ...s, data: Object.keys(s.data) }))).toEqual([
      {
        name: "seaweedfs-s3-config",
        namespace: "object-store",
        credential: "object-store",
        role: "server",
        data: ["seaweedfs_s3_config"],
      },
      {
        name: "object-store-credentials",
        namespace: "object-store",
        credential: "object-store",
        data: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
      },
    ]);
    const keys = (id: string) => [{ accessKey: `{${id}.username}`, secretKey: `{${id}.password}` }];
    expect(JSON.parse(secrets[0].data.seaweedfs_s3_config)).toEqual({
      identities: [
        {
          name: "platform",
          credentials: keys("object-store"),
          actions: ["Admin", "Read", "List", "Tagging", "Write"],
        },
        {
          name: "mlflow",
          credentials: keys("object-store-mlflow"),
          actions: [
            "Read:mlflow-artifacts",
            "Write:mlflow-artifacts",
            "List:mlflow-artifacts",
            "Tagging:mlflow-artifacts",
          ],
        },
        {
          name: "team-applied",
          credentials: keys("object-store-team-applied"),
          actions: ["Read:team-applied", "Write:team-applied", "List:team-applied", "Tagging:team-applied"],
        },
        {
          name: "team-applied-serving",
          credentials: keys("object-store-team-applied-serving"),
          actions: ["Read:team-applied", "List:team-applied"],
        },
        {
          name: "team-research",
          credentials: keys("object-store-team-research"),
          actions: ["Read:team-research", "Write:team-research", "List:team-research", "Tagging:team-research"],
        },
        {
          name: "team-research-serving",
          credentials: keys("object-store-team-research-serving"),
          actions: ["Read:team-research", "List:team-research"],
        },
      ],
    });
  });

  it("creates a bucket per team beside the artifacts and models buckets", () => {
    const release = objectStore.steps(contextFor(loadProfile("workstation-gpu")))[0] as UpstreamRelease;
    expect((release.values.allInOne as { s3: { createBuckets: unknown } }).s3.createBuckets).toEqual([
      { name: "mlflow-artifacts" },
      { name: "models" },
      { name: "team-applied" },
      { name: "team-research" },
    ]);
  });

  it("gives each team read-write keys for its jobs and read-only keys for serving, both its own", () => {
    expect(teamS3Secrets(loadProfile("workstation-gpu"), "research")).toEqual([
      {
        name: "object-store-credentials",
        namespace: "team-research",
        credential: "object-store-team-research",
        data: { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" },
      },
      {
        name: "object-store-serving-credentials",
        namespace: "team-research",
        credential: "object-store-team-research-serving",
        data: { AWS_ACCESS_KEY_ID: "{username}", AWS_SECRET_ACCESS_KEY: "{password}" },
      },
    ]);
  });

  it("points clients at the all-in-one Service's S3 port when managed", () => {
    const profile = loadProfile("laptop");
    expect([objectStoreEndpoint(profile), objectStoreRegion(profile), s3CredentialsSecretName(profile)]).toEqual([
      "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
      "us-east-1",
      "object-store-credentials",
    ]);
  });

  it("points clients at the external store and its credentials Secret when external", () => {
    const profile = loadProfile("laptop", EXTERNAL_STORE);
    expect([objectStoreEndpoint(profile), objectStoreRegion(profile), s3CredentialsSecretName(profile)]).toEqual([
      "https://s3.eu-west-1.amazonaws.com",
      "eu-west-1",
      "aws-s3",
    ]);
  });

  it("creates its namespace only when managed", () => {
    expect(objectStore.namespaces(contextFor(loadProfile("laptop")))).toEqual([{ name: "object-store" }]);
    expect(objectStore.namespaces(contextFor(loadProfile("laptop", EXTERNAL_STORE)))).toEqual([]);
  });

  it("rejects an external store without an address", () => {
    const profile = loadProfile("laptop", EXTERNAL_STORE);
    const incomplete = { ...profile, external: {} };
    expect(() => objectStoreEndpoint(incomplete)).toThrow(
      /external\.objectStore: an S3-compatible endpoint with keys is needed here, not cloud storage/,
    );
  });

  it("depends only on observability, optionally", () => {
    expect(objectStore.dependencies(loadProfile("laptop"))).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for metrics" },
    ]);
  });
});
