import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PROFILES } from "../../profiles/index";
import { buildApp } from "../../stacks/app";
import { cleanUpLocalCharts } from "../../stacks/local-chart";

const ROOT = resolve(__dirname, "../..");

/** A cluster and a platform stack per profile, and per MultiKueue worker of multicloud-gpu. */
const EXPECTED_STACKS = [...Object.keys(PROFILES), "multicloud-gpu-aks", "multicloud-gpu-gke"]
  .flatMap((name) => [`${name}-cluster`, `${name}-platform`])
  .sort();

function synthAll(): string {
  const outdir = mkdtempSync(join(tmpdir(), "cnai-synth-"));
  const { app } = buildApp({ profiles: Object.keys(PROFILES), outdir });
  app.synth();
  cleanUpLocalCharts();
  return outdir;
}

function filesUnder(dir: string, prefix = ""): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(files, filesUnder(path, `${prefix}${name}/`));
    else files[`${prefix}${name}`] = readFileSync(path, "utf8");
  }
  return files;
}

type TfJson = {
  terraform: {
    required_providers: Record<string, { source: string; version: string }>;
    backend: { local: { path: string } };
  };
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

describe("synthesizing every profile", () => {
  const first = synthAll();
  const second = synthAll();
  const files = filesUnder(first);
  const platform = (profile: string) => JSON.parse(files[`stacks/${profile}-platform/cdk.tf.json`]) as TfJson;
  const cluster = (profile: string) => JSON.parse(files[`stacks/${profile}-cluster/cdk.tf.json`]) as TfJson;
  const releaseDeps = (profile: string, name: string) =>
    ((platform(profile).resource.helm_release[`release-${name}`].depends_on as string[]) ?? [])
      .filter((d) => d.startsWith("helm_release."))
      .map((d) => d.replace("helm_release.release-", ""));

  test("our local charts carry the distribution's version from package.json, so each release upgrades them", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const charts = Object.entries(files).filter(([path]) =>
      /^stacks\/laptop-platform\/assets\/.*\/Chart\.yaml$/.test(path),
    );
    expect(charts.length).toBeGreaterThan(5);
    for (const [, text] of charts) expect(text).toMatch(new RegExp(`^version: ${version.replace(/\./g, "\\.")}$`, "m"));
  });

  test("writes a cluster and a platform stack per profile, named after the profile", () => {
    expect(readdirSync(join(first, "stacks")).sort()).toEqual(EXPECTED_STACKS);
  });

  test("every stack keeps its Terraform resource addresses (a moved file must not rename a resource)", () => {
    const addresses = Object.fromEntries(
      EXPECTED_STACKS.map((stack) => {
        const json = JSON.parse(files[`stacks/${stack}/cdk.tf.json`]) as {
          resource?: Record<string, Record<string, unknown>>;
          data?: Record<string, Record<string, unknown>>;
        };
        const list = (kind: "resource" | "data", prefix: string) =>
          Object.entries(json[kind] ?? {}).flatMap(([type, byName]) =>
            Object.keys(byName).map((name) => `${prefix}${type}.${name}`),
          );
        return [stack, [...list("resource", ""), ...list("data", "data.")].sort()];
      }),
    );
    expect(addresses).toMatchSnapshot();
  });

  test("two synths are byte-identical", () => {
    expect(filesUnder(second)).toEqual(files);
  });

  test("no absolute path or machine-specific value appears in the output", () => {
    for (const [name, text] of Object.entries(files)) {
      expect({
        name,
        hasRoot: text.includes(ROOT),
        hasTmp: /cnai-(chart|synth)-/.test(text),
        hasHome: text.includes(`${homedir()}/`),
      }).toEqual({
        name,
        hasRoot: false,
        hasTmp: false,
        hasHome: false,
      });
    }
  });

  test("state lives outside cdktf.out at a path every stack folder resolves the same way", () => {
    expect(platform("laptop").terraform.backend).toEqual({ local: { path: "../../../state/laptop-platform.tfstate" } });
    expect(cluster("laptop").terraform.backend).toEqual({ local: { path: "../../../state/laptop-cluster.tfstate" } });
  });

  test("every provider is fully qualified and pinned exactly", () => {
    expect(platform("laptop").terraform.required_providers).toEqual({
      helm: { source: "hashicorp/helm", version: "3.1.1" },
      kubernetes: { source: "hashicorp/kubernetes", version: "2.38.0" },
      random: { source: "hashicorp/random", version: "3.7.2" },
    });
    expect(cluster("laptop").terraform.required_providers).toEqual({
      kind: { source: "tehcyx/kind", version: "0.11.0" },
    });
  });

  test("generated Secrets only hold references to random values, never literals", () => {
    const secrets = platform("laptop").resource.kubernetes_secret_v1;
    expect(Object.keys(secrets).length).toBeGreaterThan(0);
    for (const secret of Object.values(secrets)) {
      for (const value of Object.values(secret.data as Record<string, string>)) {
        expect(value).toMatch(/\$\{random_password\.credential-[a-z-]+-(username|password)\.result\}/);
      }
    }
  });

  test("no Secret in a team namespace carries a credential that another team or the platform also holds", () => {
    let checked = 0;
    const leaks = EXPECTED_STACKS.filter((stack) => stack.endsWith("-platform")).flatMap((stack) => {
      const json = JSON.parse(files[`stacks/${stack}/cdk.tf.json`]) as TfJson;
      const teams = new Set(
        Object.values(json.resource.kubernetes_namespace_v1 ?? {})
          .map((ns) => ns.metadata as { name: string; labels?: Record<string, string> })
          .filter((meta) => meta.labels?.["managed-by-kueue"] === "true")
          .map((meta) => meta.name),
      );
      // Which namespaces' client Secrets hold each generated credential (a service's own config is exempt).
      const holders = new Map<string, Set<string>>();
      for (const secret of Object.values(json.resource.kubernetes_secret_v1 ?? {})) {
        const meta = secret.metadata as { namespace: string; labels?: Record<string, string> };
        if (meta.labels?.["cnai.io/credential-role"] === "server") continue;
        for (const match of JSON.stringify(secret.data ?? {}).matchAll(
          /random_password\.credential-([a-z0-9-]+?)-(?:username|password)\b/g,
        )) {
          holders.set(match[1], new Set([...(holders.get(match[1]) ?? []), meta.namespace]));
        }
      }
      checked += holders.size;
      return [...holders.entries()]
        .filter(([, namespaces]) => namespaces.size > 1 && [...namespaces].some((ns) => teams.has(ns)))
        .map(([credential, namespaces]) => `${stack}: ${credential} in ${[...namespaces].sort().join(", ")}`);
    });
    expect(checked).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
  });

  test("no password-like literal appears in any Helm values", () => {
    for (const release of Object.values(platform("laptop").resource.helm_release)) {
      const values = ((release.values as string[] | undefined) ?? []).join("\n");
      expect(values).not.toMatch(/(password|secretKey|accessKey|apiKey)[ \t]*:[ \t]*["']?[A-Za-z0-9]{8,}/i);
    }
  });

  test("cluster-gpu and eks-gpu both install the OpenTelemetry gateway and operator and the dashboards; Kepler only where it measures", () => {
    const observed = (profile: string) =>
      Object.keys(platform(profile).resource.helm_release)
        .filter((r) => /opentelemetry|dashboards|kepler/.test(r))
        .sort();
    expect(observed("cluster-gpu")).toEqual([
      "release-kepler",
      "release-opentelemetry-collector",
      "release-opentelemetry-operator",
      "release-platform-dashboards",
    ]);
    expect(observed("eks-gpu")).toEqual([
      "release-opentelemetry-collector",
      "release-opentelemetry-operator",
      "release-platform-dashboards",
    ]);
  });

  test("a `${…}` in Helm values reaches the chart literally, not as a Terraform interpolation", () => {
    const values = (platform("laptop").resource.helm_release["release-opentelemetry-collector"].values as string[])[0];
    expect(values).toContain("endpoint: $${env:MY_POD_IP}:4317");
    expect(values).not.toMatch(/(^|[^$])\$\{/);
  });

  test("the platform stack reads the cluster's endpoint from the cluster stack, not a kubeconfig file", () => {
    const text = files["stacks/laptop-platform/cdk.tf.json"];
    expect(text).not.toMatch(/config_path|kubeconfig/);
    expect(text).toContain("${data.terraform_remote_state.cross-stack-reference-input-laptop-cluster.outputs.");
  });

  test("the Trainer waits for JobSet's webhooks, and its runtime for the Trainer's; Kueue installs after both", () => {
    expect(releaseDeps("cluster-gpu", "jobset-webhook-ready")).toContain("jobset");
    expect(releaseDeps("cluster-gpu", "kubeflow-trainer")).toContain("jobset-webhook-ready");
    expect(releaseDeps("cluster-gpu", "kubeflow-trainer-webhook-ready")).toContain("kubeflow-trainer");
    expect(releaseDeps("cluster-gpu", "training-runtimes")).toContain("kubeflow-trainer-webhook-ready");
    // A component waits for the last steps of its dependencies: the Trainer's is its runtime release.
    expect(releaseDeps("cluster-gpu", "kueue")).toEqual(
      expect.arrayContaining(["jobset-webhook-ready", "training-runtimes"]),
    );
    expect(platform("laptop").resource.helm_release["release-kubeflow-trainer"]).toBeUndefined();
  });

  test("Argo Workflows installs after Kueue's queues and the team namespaces it puts its ServiceAccount in", () => {
    expect(releaseDeps("cluster-gpu", "argo-workflows")).toEqual(
      expect.arrayContaining(["kueue-queues", "team-tenancy"]),
    );
    expect(platform("laptop").resource.helm_release["release-argo-workflows"]).toBeUndefined();
  });

  test("the Spark operator installs after the team Roles, beside whose namespaces it adds the drivers' account, and before Kueue", () => {
    expect(releaseDeps("cluster-gpu", "spark-operator")).toEqual(["team-tenancy"]);
    expect(releaseDeps("cluster-gpu", "kueue")).toEqual(expect.arrayContaining(["spark-operator"]));
    expect(platform("laptop").resource.helm_release["release-spark-operator"]).toBeUndefined();
  });

  test("custom resources wait for their operator's webhook gate, and gates wait for the operator", () => {
    expect(releaseDeps("laptop", "kueue-webhook-ready")).toContain("kueue");
    expect(releaseDeps("laptop", "kueue-queues")).toContain("kueue-webhook-ready");
    expect(releaseDeps("laptop", "cnpg-webhook-ready")).toContain("cloudnative-pg");
    expect(releaseDeps("laptop", "mlflow-db")).toContain("cnpg-webhook-ready");
    expect(releaseDeps("laptop", "kserve-webhook-ready")).toContain("kserve-resources");
    expect(releaseDeps("laptop", "kserve-runtimes")).toContain("kserve-webhook-ready");
  });

  test("operators install in dependency order", () => {
    expect(releaseDeps("laptop", "kserve-crd")).toContain("cert-manager");
    expect(releaseDeps("laptop", "kserve-resources")).toEqual(expect.arrayContaining(["cert-manager", "kserve-crd"]));
    expect(releaseDeps("laptop", "kueue")).toContain("kuberay-operator");
    expect(releaseDeps("laptop", "mlflow")).toEqual(expect.arrayContaining(["mlflow-db", "seaweedfs"]));
    // A component waits for the last releases of its dependencies: observability ends with its dashboards.
    expect(releaseDeps("laptop", "cert-manager")).toContain("platform-dashboards");
  });

  test("every release says what a failed install leaves: stateless ones are atomic, the ones holding data keep and are replaced", () => {
    const failure = (release: Record<string, unknown>) =>
      [release.atomic, release.cleanup_on_fail, release.replace, release.wait, release.take_ownership ?? false].join(
        " ",
      );
    // atomic cleanup_on_fail replace wait take_ownership
    const UNINSTALL = "true true false true false";
    const KEEP = "false false true true false";
    const laptop = Object.fromEntries(
      Object.entries(platform("laptop").resource.helm_release).map(([id, r]) => [
        id.replace("release-", ""),
        failure(r),
      ]),
    );
    expect(laptop).toEqual({
      "cert-manager": UNINSTALL,
      "cloudnative-pg": UNINSTALL,
      "cnpg-webhook-ready": UNINSTALL,
      "platform-dashboards": UNINSTALL,
      keda: UNINSTALL,
      "kserve-crd": UNINSTALL,
      "kserve-resources": UNINSTALL,
      "kserve-runtimes": UNINSTALL,
      "kserve-storage": UNINSTALL,
      "kserve-webhook-ready": UNINSTALL,
      "kube-prometheus-stack": UNINSTALL,
      "kuberay-operator": UNINSTALL,
      // Helm's uninstall wait never ends while the aggregation controller re-creates the chart's aggregated roles
      // (platform/components/kueue.ts, KUEUE_UNINSTALL); atomic keeps install and upgrade waiting.
      kueue: "true true false false true",
      "kueue-queues": UNINSTALL,
      "kueue-webhook-ready": UNINSTALL,
      mlflow: UNINSTALL,
      "mlflow-db": KEEP,
      // The hub's database on the chart's volume claim; its Roles in the team namespaces hold nothing.
      notebooks: KEEP,
      "notebook-access": UNINSTALL,
      "opentelemetry-collector": UNINSTALL,
      "opentelemetry-operator": UNINSTALL,
      qdrant: KEEP,
      "qdrant-team-keys": UNINSTALL,
      seaweedfs: KEEP,
      "team-tenancy": UNINSTALL,
    });
    // Every other stack decides the same for the same release, and for the releases laptop does not have.
    const others: Record<string, Set<string>> = {};
    for (const stack of EXPECTED_STACKS.filter((s) => s.endsWith("-platform"))) {
      const json = JSON.parse(files[`stacks/${stack}/cdk.tf.json`]) as TfJson;
      for (const [id, release] of Object.entries(json.resource.helm_release)) {
        const name = id.replace("release-", "");
        (others[name] ??= new Set()).add(failure(release));
      }
    }
    expect(Object.fromEntries(Object.entries(others).map(([name, set]) => [name, [...set]]))).toEqual({
      ...Object.fromEntries(Object.entries(laptop).map(([name, value]) => [name, [value]])),
      // Argo Workflows' controller and its kept CRDs, and the teams' artifact-repositories ConfigMaps, on cluster-gpu only
      // (platform/components/argo-workflows.ts): Workflows live in the team namespaces, artifacts in their buckets.
      "argo-workflows": [UNINSTALL],
      "argo-artifact-repositories": [UNINSTALL],
      // A DaemonSet and DeviceClasses, on DRA profiles only (platform/components/dra-driver.ts).
      "dra-driver-nvidia-gpu": [UNINSTALL],
      // Feast on cluster-gpu only (platform/components/feast.ts): the operator and the FeatureStores hold no data, the
      // teams' PostgreSQL Clusters do.
      "feast-operator": [UNINSTALL],
      "feast-db": [KEEP],
      "feature-stores": [UNINSTALL],
      "gpu-operator": [UNINSTALL],
      // JobSet and Kubeflow Trainer, their webhook gates and the platform's ClusterTrainingRuntime, on cluster-gpu only
      // (platform/components/jobset.ts, kubeflow-trainer.ts): controllers, CRDs and configuration, no data.
      jobset: [UNINSTALL],
      "jobset-webhook-ready": [UNINSTALL],
      "kubeflow-trainer": [UNINSTALL],
      "kubeflow-trainer-webhook-ready": [UNINSTALL],
      "training-runtimes": [UNINSTALL],
      // A DaemonSet and its configuration, on the kind-on-Linux GPU profiles only (platform/components/kepler.ts).
      kepler: [UNINSTALL],
      multikueue: [UNINSTALL],
      samples: [UNINSTALL],
      // The Spark operator's controller and webhook, on cluster-gpu only (platform/components/spark-operator.ts);
      // SparkApplications live in the team namespaces, the CRDs in the chart's crds/.
      "spark-operator": [UNINSTALL],
    });
  });

  test("no custom resource is applied through kubernetes_manifest, which needs the CRD at plan time", () => {
    expect(platform("laptop").resource.kubernetes_manifest).toBeUndefined();
  });

  test("the GPU Operator is installed only on the GPU profile", () => {
    expect(platform("laptop").resource.helm_release["release-gpu-operator"]).toBeUndefined();
    expect(platform("laptop-gpu").resource.helm_release["release-gpu-operator"]).toMatchObject({
      chart: "gpu-operator",
      version: "v26.7.0",
      namespace: "gpu-operator",
    });
    expect(platform("laptop-gpu").resource.kubernetes_namespace_v1["namespace-gpu-operator"]).toMatchObject({
      metadata: { name: "gpu-operator", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    });
  });
});

describe("the synth command", () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), "stacks/main.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      encoding: "utf8",
    });

  test("an invalid override fails with every problem and leaves the previous output intact", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cnai-main-"));
    expect(run({ CDKTF_OUTDIR: outdir, CNAI_PROFILE: "laptop" }).status).toBe(0);
    const before = filesUnder(outdir);
    const override = join(outdir, "..", `bad-${Date.now()}.yaml`);
    writeFileSync(
      override,
      "pools:\n  workers:\n    nodes: two\ncomponents:\n  cert-manager:\n    lifecycle: disabled\n",
    );
    const result = run({ CDKTF_OUTDIR: outdir, CNAI_PROFILE: "laptop", CNAI_OVERRIDES: override });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Profile "laptop" is invalid \(1 problem\); nothing was synthesized:\n {2}- pools\.workers\.nodes: got "two"; expected number/,
    );
    expect(filesUnder(outdir)).toEqual(before);
  });

  test("a graph problem is reported the same way", () => {
    const outdir = mkdtempSync(join(tmpdir(), "cnai-main-"));
    const override = join(outdir, "override.json");
    writeFileSync(override, JSON.stringify({ components: { "cert-manager": { lifecycle: "disabled" } } }));
    const result = run({ CDKTF_OUTDIR: join(outdir, "out"), CNAI_PROFILE: "laptop", CNAI_OVERRIDES: override });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /components\.cert-manager\.lifecycle: got "disabled"; "kserve" is managed and needs "cert-manager"/,
    );
    expect(readdirSync(outdir)).toEqual(["override.json"]);
  });

  test("the output does not depend on the machine's locale or time zone", () => {
    const synthIn = (env: Record<string, string>) => {
      const outdir = mkdtempSync(join(tmpdir(), "cnai-locale-"));
      const result = run({ ...env, CDKTF_OUTDIR: outdir, CNAI_PROFILE: "multicloud-gpu" });
      expect(result.stderr).toBe("");
      return filesUnder(outdir);
    };
    const plain = synthIn({ LANG: "C.UTF-8", LC_ALL: "C.UTF-8", TZ: "UTC" });
    // Czech sorts "ch" after "h"; Chatham is UTC+12:45 (+13:45 in summer).
    expect(synthIn({ LANG: "cs_CZ.UTF-8", LC_ALL: "cs_CZ.UTF-8", TZ: "Pacific/Chatham" })).toEqual(plain);
  });

  test("an unknown profile lists the known ones", () => {
    const result = run({ CDKTF_OUTDIR: mkdtempSync(join(tmpdir(), "cnai-main-")), CNAI_PROFILE: "desktop" });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /Unknown profile "desktop" \(CNAI_PROFILE\). Known profiles: laptop, laptop-gpu, workstation-gpu, cluster-gpu, cluster-gpu-dra, eks-gpu, gke-gpu, aks-gpu, multicloud-gpu, or "all"/,
    );
  });
});

describe("the cloud profiles", () => {
  const outdir = synthAll();
  const tf = (stack: string) => JSON.parse(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));

  test.each([
    [
      "eks-gpu",
      {
        s3: {
          bucket: "cnai-tofu-state",
          key: "eks-gpu/eks-gpu-platform.tfstate",
          region: "eu-west-1",
          encrypt: true,
          use_lockfile: true,
        },
      },
    ],
    ["gke-gpu", { gcs: { bucket: "cnai-tofu-state", prefix: "gke-gpu/gke-gpu-platform" } }],
    [
      "aks-gpu",
      {
        azurerm: {
          resource_group_name: "cnai-state",
          storage_account_name: "cnaitofustate",
          container_name: "tfstate",
          key: "aks-gpu/aks-gpu-platform.tfstate",
          use_azuread_auth: true,
        },
      },
    ],
  ])("%s keeps its platform state remotely with locking", (name, backend) => {
    expect(tf(`${name}-platform`).terraform.backend).toEqual(backend);
  });

  test.each([
    ["eks-gpu", "aws", ["eks", "get-token", "--cluster-name", "cnai-eks", "--region", "eu-west-1"]],
    ["gke-gpu", "gke-gcloud-auth-plugin", []],
    [
      "aks-gpu",
      "kubelogin",
      ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
    ],
  ])("%s's platform providers authenticate with an exec plugin, nothing long-lived in state", (name, command, args) => {
    const platform = tf(`${name}-platform`);
    const exec = { api_version: "client.authentication.k8s.io/v1beta1", command, args };
    expect(platform.provider.helm[0].kubernetes.exec).toEqual(exec);
    expect(platform.provider.kubernetes[0].exec).toEqual([exec]);
    expect(platform.provider.kubernetes[0].client_key).toBeUndefined();
    expect(platform.data.terraform_remote_state[`cross-stack-reference-input-${name}-cluster`].backend).toBe(
      Object.keys(tf(`${name}-cluster`).terraform.backend)[0],
    );
  });

  test("the GPU Operator is external on GKE, so nothing installs it there", () => {
    expect(tf("gke-gpu-platform").resource.helm_release["release-gpu-operator"]).toBeUndefined();
    expect(tf("eks-gpu-platform").resource.helm_release["release-gpu-operator"]).toBeDefined();
  });

  test.each([
    ["eks-gpu", {}, {}],
    [
      "gke-gpu",
      { "iam.gke.io/gcp-service-account": "cnai-gke-mlflow@cnai-platform.iam.gserviceaccount.com" },
      { "iam.gke.io/gcp-service-account": "cnai-gke-models@cnai-platform.iam.gserviceaccount.com" },
    ],
    [
      "aks-gpu",
      {
        "azure.workload.identity/client-id": expect.stringMatching(
          /storage-read-write-identity\.outputs|storage-read-write-identityclient_id/,
        ),
      },
      { "azure.workload.identity/client-id": expect.stringMatching(/storage-read-identity/) },
    ],
  ])(
    "%s binds MLflow and the KServe accounts to the cloud's workload identity, with no storage keys anywhere",
    (name, mlflowAnnotations, kserveAnnotations) => {
      const platform = tf(`${name}-platform`);
      const accounts = platform.resource.kubernetes_service_account_v1;
      expect(accounts["service-account-mlflow-mlflow"].metadata.annotations ?? {}).toEqual(mlflowAnnotations);
      expect(
        accounts["service-account-team-default-kserve-s3"]?.metadata.annotations ??
          accounts["service-account-team-research-kserve-s3"].metadata.annotations ??
          {},
      ).toEqual(kserveAnnotations);
      expect(
        Object.keys(platform.resource.kubernetes_secret_v1 ?? {}).filter((k) => k.includes("object-store-credentials")),
      ).toEqual([]);
      expect(platform.resource.helm_release["release-seaweedfs"]).toBeUndefined();
      expect(platform.resource.helm_release["release-kserve-storage"]).toBeUndefined();
    },
  );
});

describe("cloud storage rules", () => {
  test("cloud storage on kind, or with an in-cluster object store, is an error", () => {
    expect(() =>
      buildApp({
        profiles: ["laptop"],
        override: { external: { objectStore: { cloud: true } } },
        outdir: mkdtempSync(join(tmpdir(), "cnai-x-")),
      }),
    ).toThrow(
      /external\.objectStore\.cloud: got true; cloud storage is made by a cloud cluster stack \(EKS, GKE, AKS\); on kind use the managed object store/,
    );
  });
});
