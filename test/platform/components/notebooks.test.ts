import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCheckedProfile } from "../../../platform/check";
import type { LocalRelease, UpstreamRelease } from "../../../platform/component";
import { KUEUE_FRAMEWORKS, kueueConfiguration } from "../../../platform/components/kueue";
import { tenancy } from "../../../platform/components/tenancy";
import {
  kubespawnerProfiles,
  notebookEnvironment,
  notebookProfiles,
  notebooks,
  notebooksValues,
} from "../../../platform/components/notebooks";
import { contextFor } from "../../../platform/graph";
import { loadProfile } from "../../../profiles/load";
import { buildApp } from "../../../stacks/app";
import { cleanUpLocalCharts } from "../../../stacks/local-chart";
import { renderLocal } from "../../support/render";
import { unknownValuePaths } from "../../support/reference";

const GPU_TAINT = { key: "nvidia.com/gpu", operator: "Equal", value: "present", effect: "NoSchedule" };
const OIDC = {
  issuerUrl: "https://login.example.com/realms/ai",
  clientId: "jupyterhub",
  clientSecret: "notebooks-oidc",
};

function ctxFor(name: string, override?: unknown) {
  return contextFor(loadProfile(name, override));
}

function hubRelease(name: string, override?: unknown): UpstreamRelease {
  return notebooks.steps(ctxFor(name, override))[0] as UpstreamRelease;
}

/** slug → [pool, resources] of each team's options. */
function optionsOf(name: string, override?: unknown) {
  return Object.fromEntries(
    Object.entries(notebookProfiles(loadProfile(name, override))).map(([team, options]) => [
      team,
      options.map((o) => [o.slug, o.pool, o.resources]),
    ]),
  );
}

describe("notebooks component", () => {
  test("on laptop the one team gets one CPU server option on its pool", () => {
    expect(optionsOf("laptop")).toEqual({ default: [["default-cpu", "workers", { cpu: "1", memory: "2Gi" }]] });
  });

  test("on cluster-gpu every team gets CPU on the system pool, a whole GPU on full and a MIG slice on mig", () => {
    const gpu = (resourceName: string) => ({ cpu: "2", memory: "8Gi", gpu: { resourceName, count: 1 } });
    const team = (name: string) => [
      [`${name}-cpu`, "system", { cpu: "1", memory: "2Gi" }],
      [`${name}-full-gpu`, "full", gpu("nvidia.com/gpu")],
      [`${name}-mig-mig-1g-10gb`, "mig", gpu("nvidia.com/mig-1g.10gb")],
    ];
    expect(optionsOf("cluster-gpu")).toEqual({
      research: team("research"),
      serving: team("serving"),
      training: team("training"),
    });
  });

  test("a team that can obtain no GPU of a pool gets no GPU option there", () => {
    // serving has no nominal GPUs on full; without borrowing it can never hold one.
    const options = optionsOf("cluster-gpu", {
      teams: { serving: { quota: { full: { borrowingLimit: { gpu: 0 } } } } },
    });
    expect(options.serving.map(([slug]) => slug)).toEqual(["serving-cpu", "serving-mig-mig-1g-10gb"]);
  });

  test("a time-sliced pool offers a shared GPU slot", () => {
    const options = notebookProfiles(loadProfile("workstation-gpu")).research;
    expect(options.map((o) => [o.slug, o.displayName])).toEqual([
      ["research-cpu", "research: CPU"],
      ["research-gpu-shared-gpu", "research: a shared GPU slot (time-slicing, 1 of 4 per GPU) on gpu"],
    ]);
  });

  test("each option runs in its team's namespace, queued in its LocalQueue, on its pool's nodes", () => {
    const [, , mig] = kubespawnerProfiles(ctxFor("cluster-gpu"), "research");
    expect(mig).toMatchObject({
      slug: "research-mig-mig-1g-10gb",
      kubespawner_override: {
        namespace: "team-research",
        extra_labels: { "kueue.x-k8s.io/queue-name": "default", "kueue.x-k8s.io/priority-class": "interactive" },
        node_selector: { "cnai.io/pool": "mig" },
        tolerations: [GPU_TAINT],
        cpu_guarantee: 2,
        cpu_limit: 2,
        mem_guarantee: 8 * 1024 ** 3,
        mem_limit: 8 * 1024 ** 3,
        extra_resource_guarantees: { "nvidia.com/mig-1g.10gb": "1" },
        extra_resource_limits: { "nvidia.com/mig-1g.10gb": "1" },
      },
    });
    const [cpu] = kubespawnerProfiles(ctxFor("cluster-gpu"), "research");
    expect(cpu).toMatchObject({ default: true, kubespawner_override: { tolerations: [] } });
    expect(cpu.kubespawner_override).not.toHaveProperty("extra_resource_limits");
  });

  test("Kueue queues plain pods (its pod integration) in the team namespaces, which opt in", () => {
    expect(KUEUE_FRAMEWORKS).toContain("pod");
    expect(kueueConfiguration().managedJobsNamespaceSelector).toEqual({ matchLabels: { "managed-by-kueue": "true" } });
    const team = notebooks.namespaces(ctxFor("laptop")).find((n) => n.name === "team-default");
    expect(team?.labels).toMatchObject({
      "managed-by-kueue": "true",
      "pod-security.kubernetes.io/enforce": "restricted",
    });
  });

  test("servers get MLflow with its traces also sent to the OpenTelemetry gateway, the team's S3 keys and its vector database key, as the golden-path workloads do", () => {
    const fromSecret = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
    expect(notebookEnvironment(ctxFor("laptop"), "default")).toEqual({
      MLFLOW_TRACKING_URI: "http://mlflow.mlflow.svc.cluster.local:5000",
      MLFLOW_EXPERIMENT_NAME: "default-notebooks",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT:
        "http://opentelemetry-collector.opentelemetry.svc.cluster.local:4318/v1/traces",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/protobuf",
      MLFLOW_TRACE_ENABLE_OTLP_DUAL_EXPORT: "true",
      OTEL_SERVICE_NAME: "default-notebooks",
      AWS_ENDPOINT_URL: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
      MLFLOW_S3_ENDPOINT_URL: "http://seaweedfs-all-in-one.object-store.svc.cluster.local:8333",
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: fromSecret("object-store-credentials", "AWS_ACCESS_KEY_ID"),
      AWS_SECRET_ACCESS_KEY: fromSecret("object-store-credentials", "AWS_SECRET_ACCESS_KEY"),
      VECTOR_DB_ENGINE: "qdrant",
      VECTOR_DB_ENDPOINT: "http://qdrant.vector-db.svc.cluster.local:6333",
      VECTOR_DB_CREDENTIALS: fromSecret("vector-db-credentials", "api-key"),
    });
  });

  test("without the gateway, MLflow traces go to the tracking server only", () => {
    const env = notebookEnvironment(
      ctxFor("laptop", { components: { "opentelemetry-collector": { lifecycle: "disabled" } } }),
      "default",
    );
    expect(Object.keys(env).filter((k) => k.startsWith("OTEL_") || k.includes("OTLP"))).toEqual([]);
  });

  test("the team S3 Secrets the servers read are declared once: by KServe when it is managed, else by notebooks", () => {
    const names = (override?: unknown) => (notebooks.secrets?.(ctxFor("laptop", override)) ?? []).map((x) => x.name);
    expect(names()).toEqual(["notebooks-shared-password"]);
    expect(names({ components: { kserve: { lifecycle: "disabled" } } })).toEqual([
      "notebooks-shared-password",
      "object-store-credentials",
      "object-store-serving-credentials",
    ]);
  });

  test("with cloud storage servers use the team's workload-identity ServiceAccount and no keys", () => {
    const ctx = ctxFor("eks-gpu", { components: { notebooks: { lifecycle: "managed", settings: { oidc: OIDC } } } });
    const [option] = kubespawnerProfiles(ctx, "research");
    expect(option.kubespawner_override).toMatchObject({ namespace: "team-research", service_account: "kserve-s3" });
    expect(Object.keys(notebookEnvironment(ctx, "research"))).not.toContain("AWS_ACCESS_KEY_ID");
  });

  test("servers pass Pod Security restricted: non-root, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp, no privileged init container", () => {
    const values = hubRelease("laptop").values as Record<string, Record<string, unknown>>;
    expect((values.hub.config as Record<string, unknown>).KubeSpawner).toEqual({
      pod_security_context: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      container_security_context: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    });
    expect(values.singleuser).toMatchObject({
      image: { name: "quay.io/jupyterhub/k8s-singleuser-sample", tag: "4.4.0" },
      cloudMetadata: { blockWithIptables: false },
      networkPolicy: { enabled: false },
      startTimeout: 3600,
    });
  });

  test("laptop defaults: no user scheduler, no image pullers, a ClusterIP proxy, sized hub and proxy, idle servers culled", () => {
    const values = hubRelease("laptop", { components: { notebooks: { settings: { idleMinutes: 30 } } } }).values;
    expect(values).toMatchObject({
      scheduling: { userScheduler: { enabled: false }, userPlaceholder: { enabled: false } },
      prePuller: { hook: { enabled: false }, continuous: { enabled: false } },
      proxy: {
        service: { type: "ClusterIP" },
        chp: { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } } },
      },
      hub: {
        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        db: { pvc: { storage: "1Gi" } },
      },
      cull: { enabled: true, timeout: 1800 },
    });
    expect(hubRelease("laptop").onFailedInstall).toBe("keep");
  });

  test("every values key exists in the chart", () => {
    expect(unknownValuePaths("jupyterhub", hubRelease("cluster-gpu").values)).toEqual([]);
    const oidc = { components: { notebooks: { lifecycle: "managed", settings: { oidc: OIDC } } } };
    expect(unknownValuePaths("jupyterhub", hubRelease("eks-gpu", oidc).values)).toEqual([]);
  });

  test("on kind users log in with the generated shared password, read from its Secret; the team users are allowed", () => {
    const values = hubRelease("laptop", { teams: { default: { users: ["ada", "grace"] } } }).values as Record<
      string,
      Record<string, unknown>
    >;
    expect(values.hub.config).toMatchObject({
      JupyterHub: { authenticator_class: "shared-password" },
      Authenticator: { allowed_users: ["ada", "grace"] },
    });
    expect(values.hub.extraEnv).toEqual({
      NOTEBOOKS_SHARED_PASSWORD: {
        valueFrom: { secretKeyRef: { name: "notebooks-shared-password", key: "password" } },
      },
    });
    expect(notebooks.secrets?.(ctxFor("laptop"))).toContainEqual({
      name: "notebooks-shared-password",
      namespace: "notebooks",
      credential: "notebooks-shared-password",
      role: "server",
      data: { password: "{password}" },
    });
  });

  test("the shared password never appears in the synthesized JSON: the Secret holds a reference, the release only its name", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cnai-notebooks-"));
    const { app } = buildApp({ profiles: ["laptop"], outdir });
    app.synth();
    cleanUpLocalCharts();
    const json = readFileSync(join(outdir, "stacks", "laptop-platform", "cdk.tf.json"), "utf8");
    const platform = JSON.parse(json);
    expect(platform.resource.kubernetes_secret_v1["secret-notebooks-notebooks-shared-password"].data).toEqual({
      password: "${random_password.credential-notebooks-shared-password-password.result}",
    });
    const release = JSON.stringify(platform.resource.helm_release["release-notebooks"]);
    expect(release).toContain("notebooks-shared-password");
    expect(release).not.toMatch(/random_password/);
    // The only use of the generated value is that Secret.
    expect(json.match(/random_password\.credential-notebooks-shared-password-password/g)).toHaveLength(1);
    expect(readdirSync(join(outdir, "stacks"))).toContain("laptop-platform");
  });

  test("on a cloud with OIDC, team membership comes from the groups claim and the client secret from the named Secret", () => {
    const values = hubRelease("eks-gpu", {
      components: { notebooks: { lifecycle: "managed", settings: { oidc: OIDC } } },
    }).values as Record<string, Record<string, unknown>>;
    expect(values.hub.config).toMatchObject({
      JupyterHub: { authenticator_class: "generic-oauth" },
      GenericOAuthenticator: {
        client_id: "jupyterhub",
        scope: ["openid", "profile", "email"],
        username_claim: "preferred_username",
        manage_groups: true,
        auth_state_groups_key: "oauth_user.groups",
        allowed_groups: ["research", "serving"],
      },
    });
    expect(values.hub.extraEnv).toEqual({
      OAUTH_CLIENT_SECRET: { valueFrom: { secretKeyRef: { name: "notebooks-oidc", key: "client-secret" } } },
    });
    expect(values.custom).toMatchObject({ notebooks: { oidc: { issuerUrl: "https://login.example.com/realms/ai" } } });
    expect(notebooks.secrets?.(ctxFor("eks-gpu", { components: { notebooks: { settings: { oidc: OIDC } } } }))).toEqual(
      [],
    );
  });

  test("a cloud profile with notebooks managed and no OIDC settings is a profile error that names the field and the fix", () => {
    expect(() => loadCheckedProfile("gke-gpu", { components: { notebooks: { lifecycle: "managed" } } })).toThrow(
      /components\.notebooks\.settings\.oidc: got nothing; notebooks on cluster provider "gke" log users in through OpenID Connect: give issuerUrl, clientId and clientSecret \(a Secret you create in namespace "notebooks" with key "client-secret"\), or set components\.notebooks\.lifecycle to "disabled"/,
    );
  });

  test("on your own cluster (kubeconfig) without OIDC the shared password is used, as on kind", () => {
    const cluster = {
      provider: "kubeconfig",
      name: "cnai-cluster",
      kubeconfig: "/x/kubeconfig",
      kubernetesVersion: "1.35",
    };
    const profile = loadCheckedProfile("laptop", { cluster });
    const values = notebooksValues(contextFor(profile)) as Record<string, Record<string, unknown>>;
    expect(values.hub.config).toMatchObject({ JupyterHub: { authenticator_class: "shared-password" } });
  });

  test("the hub lists each team's options as its own Python: by user name or identity-provider group", () => {
    const values = hubRelease("cluster-gpu").values as Record<string, Record<string, unknown>>;
    const custom = values.custom.notebooks as { teams: Array<{ name: string; users: string[]; groups: string[] }> };
    expect(custom.teams.map(({ name, users, groups }) => ({ name, users, groups }))).toEqual([
      { name: "research", users: [], groups: ["research"] },
      { name: "serving", users: [], groups: ["serving"] },
      { name: "training", users: [], groups: ["training"] },
    ]);
    const script = (values.hub.extraConfig as Record<string, string>)["notebooks-teams"];
    expect(script).toContain("c.KubeSpawner.profile_list = _profile_list");
    expect(script).toContain('os.environ["NOTEBOOKS_SHARED_PASSWORD"]');
  });

  test("the hub accepts API calls on 8081 only from notebook servers of the team namespaces", () => {
    const values = hubRelease("cluster-gpu").values as Record<string, Record<string, unknown>>;
    expect(values.hub.networkPolicy).toEqual({
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchExpressions: [
                  {
                    key: "kubernetes.io/metadata.name",
                    operator: "In",
                    values: ["team-research", "team-serving", "team-training"],
                  },
                ],
              },
              podSelector: { matchLabels: { "hub.jupyter.org/network-access-hub": "true" } },
            },
          ],
          ports: [{ port: 8081, protocol: "TCP" }],
        },
      ],
    });
  });

  test("team namespaces allow exactly egress to the hub on 8081 and ingress from the hub and proxy on 8888", () => {
    const objects = renderLocal(tenancy.steps(ctxFor("laptop"))[0] as LocalRelease, "tenancy");
    const policy = (name: string) => objects.find((o) => o.metadata.name === name)?.spec;
    const fromNotebooks = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "notebooks" } } }];
    expect(policy("allow-egress-to-notebooks-hub")).toEqual({
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{ to: fromNotebooks, ports: [{ protocol: "TCP", port: 8081 }] }],
    });
    expect(policy("allow-ingress-from-notebooks")).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: fromNotebooks, ports: [{ protocol: "TCP", port: 8888 }] }],
    });
  });

  test("the hub may act in every team namespace through our Roles, installed with the release", () => {
    const steps = notebooks.steps(ctxFor("cluster-gpu"));
    expect(steps.map((s) => [s.name, s.namespace, s.onFailedInstall])).toEqual([
      ["notebooks", "notebooks", "keep"],
      ["notebook-access", "notebooks", "uninstall"],
    ]);
    const roles = renderLocal(steps[1] as LocalRelease).filter((o) => o.kind === "Role");
    expect(roles.map((r) => r.metadata.namespace)).toEqual(["team-research", "team-serving", "team-training"]);
  });

  test("the notebooks namespace and the team namespaces are declared; notebooks depend on Kueue and tenancy", () => {
    const ctx = ctxFor("laptop");
    expect(notebooks.namespaces(ctx).map((n) => n.name)).toEqual(["notebooks", "team-default"]);
    expect(notebooks.dependencies(ctx.profile).map((d) => d.id)).toEqual(["kueue", "tenancy"]);
    expect(notebooksValues(ctx)).toHaveProperty("custom.notebooks.teams");
  });
  test("a DRA pool offers notebooks no GPU: KubeSpawner renders no resource claims", () => {
    const options = notebookProfiles(loadProfile("cluster-gpu-dra"));
    expect(Object.values(options).map((list) => list.map((o) => o.slug))).toEqual([
      ["research-cpu"],
      ["serving-cpu"],
      ["training-cpu"],
    ]);
  });
});
