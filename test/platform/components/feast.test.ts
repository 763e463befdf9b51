import { parse } from "yaml";
import type { LocalRelease } from "../../../platform/component";
import {
  FEAST_NAMESPACE,
  feast,
  feastTenant,
  featureServerUrl,
  OPERATOR_NAMESPACE,
  TEAM_FEAST_SECRET,
  teamFeatureStoreYaml,
} from "../../../platform/components/feast";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { imageRef } from "../../../platform/versions";
import { renderLocal } from "../../support/render";
import { crdFor, schemaProblems } from "../../support/reference";

const clusterGpu = () => contextFor(loadProfile("cluster-gpu"));

function localSteps(ctx = clusterGpu()): LocalRelease[] {
  return feast.steps(ctx).filter((s): s is LocalRelease => s.kind === "local");
}

function release(name: string, ctx = clusterGpu()): LocalRelease {
  const step = localSteps(ctx).find((s) => s.name === name);
  if (!step) throw new Error(`no release ${name}`);
  return step;
}

describe("feast", () => {
  it("is off by default, so the laptop profiles do not run it, and managed on cluster-gpu", () => {
    expect(feast.defaultLifecycle).toBe("disabled");
    expect(contextFor(loadProfile("laptop")).lifecycle("feast")).toBe("disabled");
    expect(clusterGpu().lifecycle("feast")).toBe("managed");
  });

  it("reserves the operator's namespace and the feature stores' namespace, and runs on the management cluster", () => {
    expect(feast.reservedNamespaces).toEqual(["feast-operator-system", "feast"]);
    expect(feast.placement).toBe("management-only");
    expect(feast.namespaces(clusterGpu()).map((n) => n.name)).toEqual([
      "feast-operator-system",
      "feast",
      "team-research",
      "team-serving",
      "team-training",
    ]);
  });

  it("installs the operator, then every team's database, then the feature stores after both", () => {
    expect(feast.steps(clusterGpu()).map((s) => [s.name, s.namespace, s.after ?? [], s.onFailedInstall])).toEqual([
      ["feast-operator", OPERATOR_NAMESPACE, [], "uninstall"],
      ["feast-db", FEAST_NAMESPACE, [], "keep"],
      ["feature-stores", FEAST_NAMESPACE, ["feast-operator", "feast-db"], "uninstall"],
    ]);
    expect(feast.dependencies(loadProfile("cluster-gpu"))).toEqual([
      { id: "postgres-operator", reason: "the feature stores' database is a CloudNativePG Cluster" },
      { id: "observability", optional: true, reason: "PodMonitor for the feature stores' database" },
    ]);
  });

  it("lets team pods reach the feature servers and the team databases in the feast namespace, on those two ports only", () => {
    expect(feast.teamEgress?.(clusterGpu())).toEqual([{ name: "feast", namespace: "feast", ports: [6566, 5432] }]);
  });

  it("names each team's store, project, Cluster and Secrets after the team namespace", () => {
    expect(feastTenant(loadProfile("cluster-gpu"), "training")).toEqual({
      teamNamespace: "team-training",
      name: "team-training",
      project: "team_training",
      cluster: "db-team-training",
      host: "db-team-training-rw.feast.svc.cluster.local",
      ownerSecret: "db-team-training-owner",
      storeSecret: "feature-store-team-training",
      credential: "feast-team-training",
    });
  });

  it("gives each team one credential: its database owner's password and its feature server's store parameters (server Secrets in feast), and its client configuration", () => {
    const secrets = feast.secrets?.(clusterGpu()) ?? [];
    expect(secrets.map((s) => [s.name, s.namespace, s.credential, s.role ?? "client"])).toEqual([
      ["db-team-research-owner", "feast", "feast-team-research", "server"],
      ["feature-store-team-research", "feast", "feast-team-research", "server"],
      ["feast-store", "team-research", "feast-team-research", "client"],
      ["db-team-serving-owner", "feast", "feast-team-serving", "server"],
      ["feature-store-team-serving", "feast", "feast-team-serving", "server"],
      ["feast-store", "team-serving", "feast-team-serving", "client"],
      ["db-team-training-owner", "feast", "feast-team-training", "server"],
      ["feature-store-team-training", "feast", "feast-team-training", "server"],
      ["feast-store", "team-training", "feast-team-training", "client"],
    ]);
    expect(secrets[6]).toEqual({
      name: "db-team-training-owner",
      namespace: "feast",
      credential: "feast-team-training",
      role: "server",
      type: "kubernetes.io/basic-auth",
      data: { username: "feast", password: "{password}" },
    });
    const postgres = {
      host: "db-team-training-rw.feast.svc.cluster.local",
      port: 5432,
      database: "feast",
      db_schema: "public",
      user: "feast",
      password: "{password}",
      sslmode: "require",
    };
    const stores = secrets[7].data;
    expect(Object.keys(stores)).toEqual(["registry", "offline", "online"]);
    expect(parse(stores.registry)).toEqual({
      path: "postgresql://feast:{password}@db-team-training-rw.feast.svc.cluster.local:5432/feast?sslmode=require",
      cache_ttl_seconds: 60,
    });
    expect(parse(stores.offline)).toEqual(postgres);
    expect(parse(stores.online)).toEqual(postgres);
    expect(secrets[8].data).toEqual({
      "feature_store.yaml": teamFeatureStoreYaml(feastTenant(loadProfile("cluster-gpu"), "training")),
      "feature-server-url": "http://feast-team-training-online.feast.svc.cluster.local",
    });
    expect(TEAM_FEAST_SECRET).toBe("feast-store");
  });

  it("writes the team's client feature_store.yaml with the same three stores, typed", () => {
    const tenant = feastTenant(loadProfile("cluster-gpu"), "serving");
    const postgres = {
      type: "postgres",
      host: "db-team-serving-rw.feast.svc.cluster.local",
      port: 5432,
      database: "feast",
      db_schema: "public",
      user: "feast",
      // A generated password is substituted here; quoted, YAML reads even an all-digit one as a string.
      password: "{password}",
      sslmode: "require",
    };
    expect(parse(teamFeatureStoreYaml(tenant))).toEqual({
      project: "team_serving",
      provider: "local",
      entity_key_serialization_version: 3,
      registry: {
        registry_type: "sql",
        path: "postgresql://feast:{password}@db-team-serving-rw.feast.svc.cluster.local:5432/feast?sslmode=require",
        cache_ttl_seconds: 60,
      },
      offline_store: postgres,
      online_store: postgres,
    });
    expect(teamFeatureStoreYaml(tenant)).toContain('password: "{password}"');
    expect(featureServerUrl(tenant)).toBe("http://feast-team-serving-online.feast.svc.cluster.local");
  });

  it("renders one CloudNativePG Cluster per team whose owner password is the generated Secret", () => {
    const clusters = renderLocal(release("feast-db"));
    expect(clusters.map((c) => `${c.kind}/${c.metadata.namespace}/${c.metadata.name}`)).toEqual([
      "Cluster/feast/db-team-research",
      "Cluster/feast/db-team-serving",
      "Cluster/feast/db-team-training",
    ]);
    expect(clusters[2].spec.bootstrap).toEqual({
      initdb: { database: "feast", owner: "feast", secret: { name: "db-team-training-owner" } },
    });
    expect(clusters[2].spec.imageName).toBe(imageRef("postgresql"));
    expect(clusters[2].spec.monitoring).toEqual({ enablePodMonitor: true });
    const crd = crdFor("postgresql.cnpg.io/v1", "Cluster");
    for (const cluster of clusters) expect(schemaProblems(cluster, crd!.schema)).toEqual([]);
  });

  it("renders each team's FeatureStore on its own Secret, valid against the pinned CRD, with its NetworkPolicy", () => {
    const objects = renderLocal(release("feature-stores"));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "FeatureStore/team-research",
      "NetworkPolicy/feature-server-team-research",
      "FeatureStore/team-serving",
      "NetworkPolicy/feature-server-team-serving",
      "FeatureStore/team-training",
      "NetworkPolicy/feature-server-team-training",
    ]);
    const store = objects[4];
    const persistence = (type: string, key: string) => ({
      store: { type, secretRef: { name: "feature-store-team-training" }, secretKeyName: key },
    });
    expect(store).toEqual({
      apiVersion: "feast.dev/v1",
      kind: "FeatureStore",
      metadata: { name: "team-training", namespace: "feast" },
      spec: {
        feastProject: "team_training",
        services: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
          registry: { local: { persistence: persistence("sql", "registry") } },
          offlineStore: { persistence: persistence("postgres", "offline") },
          onlineStore: {
            persistence: persistence("postgres", "online"),
            server: { resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
          },
        },
      },
    });
    const crd = crdFor("feast.dev/v1", "FeatureStore");
    for (const o of objects.filter((x) => x.kind === "FeatureStore"))
      expect(schemaProblems(o, crd!.schema)).toEqual([]);
    // The check bites: a registry type the operator does not take.
    const wrongType = JSON.parse(JSON.stringify(store));
    wrongType.spec.services.registry.local.persistence.store.type = "postgres";
    expect(schemaProblems(wrongType, crd!.schema)).toEqual([
      'spec.services.registry.local.persistence.store.type: "postgres" is not one of ["sql","snowflake.registry"]',
    ]);
    expect(objects[5].spec).toEqual({
      podSelector: { matchLabels: { "feast.dev/name": "team-training" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "team-training" } } }],
          ports: [{ protocol: "TCP", port: 6566 }],
        },
      ],
    });
  });

  it("installs the operator from its pinned manifest, patched to Pod Security restricted and the pinned images", () => {
    const objects = renderLocal(release("feast-operator"));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "CustomResourceDefinition/featurestores.feast.dev",
      "ServiceAccount/feast-operator-controller-manager",
      "Role/feast-operator-leader-election-role",
      "ClusterRole/feast-operator-featurestore-editor-role",
      "ClusterRole/feast-operator-featurestore-viewer-role",
      "ClusterRole/feast-operator-manager-role",
      "ClusterRole/feast-operator-metrics-auth-role",
      "ClusterRole/feast-operator-metrics-reader",
      "RoleBinding/feast-operator-leader-election-rolebinding",
      "ClusterRoleBinding/feast-operator-manager-rolebinding",
      "ClusterRoleBinding/feast-operator-metrics-auth-rolebinding",
      "Service/feast-operator-controller-manager-metrics-service",
      "Deployment/feast-operator-controller-manager",
    ]);
    const pod = objects[12].spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.containers[0].image).toBe("quay.io/feastdev/feast-operator:0.66.0");
    expect(pod.containers[0].env).toEqual([
      { name: "RELATED_IMAGE_FEATURE_SERVER", value: "quay.io/feastdev/feature-server:0.66.0" },
      { name: "RELATED_IMAGE_CRON_JOB", value: "quay.io/openshift/origin-cli:4.17" },
      { name: "GOMEMLIMIT", value: "230MiB" },
      { name: "OIDC_ISSUER_URL", value: "" },
    ]);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    });
    expect(pod.containers[0].resources).toEqual({
      limits: { cpu: "1000m", memory: "256Mi" },
      requests: { cpu: "10m", memory: "64Mi" },
    });
  });

  it("pulls the operator and the images it starts through the profile's image mirror", () => {
    const ctx = contextFor(loadProfile("cluster-gpu", { mirror: { images: "registry.example.com/mirror" } }));
    const deployment = renderLocal(release("feast-operator", ctx)).find((o) => o.kind === "Deployment");
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe("registry.example.com/mirror/quay.io/feastdev/feast-operator:0.66.0");
    expect(container.env.slice(0, 2)).toEqual([
      {
        name: "RELATED_IMAGE_FEATURE_SERVER",
        value: "registry.example.com/mirror/quay.io/feastdev/feature-server:0.66.0",
      },
      { name: "RELATED_IMAGE_CRON_JOB", value: "registry.example.com/mirror/quay.io/openshift/origin-cli:4.17" },
    ]);
  });

  it("installs only the operator when the profile has no teams", () => {
    const ctx = contextFor(loadProfile("cluster-gpu"));
    const noTeams = { ...ctx, profile: { ...ctx.profile, teams: {} } };
    expect(feast.steps(noTeams).map((s) => s.name)).toEqual(["feast-operator"]);
    expect(feast.secrets?.(noTeams)).toEqual([]);
  });

  it("reads the manifest only when the release is rendered, so steps and profile checks never need it", () => {
    const previous = process.env.CNAI_TOOLS_DIR;
    process.env.CNAI_TOOLS_DIR = "/nonexistent-tools";
    try {
      expect(feast.steps(clusterGpu())).toHaveLength(3);
    } finally {
      if (previous === undefined) delete process.env.CNAI_TOOLS_DIR;
      else process.env.CNAI_TOOLS_DIR = previous;
    }
  });
});
