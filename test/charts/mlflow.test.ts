import { Testing } from "cdk8s";
import type { MlflowProps } from "../../charts/mlflow";
import { MlflowChart } from "../../charts/mlflow";

const PROPS: MlflowProps = {
  namespace: "mlflow",
  name: "mlflow",
  image: "ghcr.io/mlflow/mlflow:v0.0.0-full",
  backendStore: { kind: "uri-secret", secretName: "db-app", key: "uri" },
  artifactsDestination: "s3://artifacts/",
  storage: {
    kind: "s3-keys",
    endpointUrl: "http://s3.example:8333",
    region: "us-east-1",
    credentialsSecret: "s3-credentials",
  },
  allowedHosts: ["mlflow", "mlflow:5000"],
  resources: { requests: { cpu: "50m", memory: "384Mi" }, limits: { cpu: "1", memory: "1Gi" } },
};

const LABELS = { "app.kubernetes.io/name": "mlflow", "app.kubernetes.io/component": "tracking-server" };

function synth(props: MlflowProps = PROPS) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are plain JSON
  const manifests: any[] = Testing.synth(new MlflowChart(Testing.app(), "mlflow", props));
  return {
    manifests,
    deployment: manifests.find((m) => m.kind === "Deployment"),
    service: manifests.find((m) => m.kind === "Service"),
  };
}

const secretRef = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
const probe = (failureThreshold: number) => ({
  httpGet: { path: "/health", port: 5000, scheme: "HTTP" },
  periodSeconds: 10,
  timeoutSeconds: 5,
  failureThreshold,
});

describe("MlflowChart", () => {
  it("renders exactly one Deployment and one Service, and no Secret", () => {
    expect(synth().manifests.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      "Deployment/mlflow",
      "Service/mlflow",
    ]);
  });

  it("runs mlflow server as non-root with a read-only root, a /tmp emptyDir, health probes and resources", () => {
    expect(synth().deployment).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "mlflow", namespace: "mlflow", labels: LABELS },
      spec: {
        minReadySeconds: 0,
        progressDeadlineSeconds: 600,
        replicas: 1,
        selector: { matchLabels: LABELS },
        strategy: { type: "Recreate" },
        template: {
          metadata: { labels: LABELS },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: "mlflow",
                image: "ghcr.io/mlflow/mlflow:v0.0.0-full",
                imagePullPolicy: "IfNotPresent",
                command: ["mlflow"],
                args: [
                  "server",
                  "--host=0.0.0.0",
                  "--port=5000",
                  "--workers=2",
                  "--backend-store-uri=$(BACKEND_STORE_URI)",
                  "--serve-artifacts",
                  "--artifacts-destination=s3://artifacts/",
                  "--allowed-hosts=mlflow,mlflow:5000",
                ],
                env: [
                  { name: "BACKEND_STORE_URI", ...secretRef("db-app", "uri") },
                  { name: "MLFLOW_S3_ENDPOINT_URL", value: "http://s3.example:8333" },
                  { name: "AWS_DEFAULT_REGION", value: "us-east-1" },
                  { name: "AWS_ACCESS_KEY_ID", ...secretRef("s3-credentials", "AWS_ACCESS_KEY_ID") },
                  { name: "AWS_SECRET_ACCESS_KEY", ...secretRef("s3-credentials", "AWS_SECRET_ACCESS_KEY") },
                  { name: "HOME", value: "/tmp" },
                ],
                ports: [{ name: "http", containerPort: 5000, protocol: "TCP" }],
                startupProbe: probe(30),
                readinessProbe: probe(3),
                livenessProbe: probe(6),
                resources: {
                  requests: { cpu: "50m", memory: "384Mi" },
                  limits: { cpu: "1", memory: "1024Mi" },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsGroup: 10001,
                  runAsNonRoot: true,
                  runAsUser: 10001,
                },
                volumeMounts: [{ mountPath: "/tmp", name: "tmp" }],
              },
            ],
            dnsPolicy: "ClusterFirst",
            hostNetwork: false,
            restartPolicy: "Always",
            securityContext: {
              runAsGroup: 10001,
              runAsNonRoot: true,
              runAsUser: 10001,
              seccompProfile: { type: "RuntimeDefault" },
            },
            setHostnameAsFQDN: false,
            terminationGracePeriodSeconds: 30,
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "512Mi" } }],
          },
        },
      },
    });
  });

  it("exposes port 5000 through a ClusterIP Service named after the server, selecting the pod's labels", () => {
    expect(synth().service).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "mlflow", namespace: "mlflow", labels: LABELS },
      spec: {
        type: "ClusterIP",
        ports: [{ name: "http", port: 5000, targetPort: 5000, protocol: "TCP" }],
        selector: LABELS,
      },
    });
  });

  it("builds an external database's URI from its credentials Secret, defining the parts before the URI", () => {
    const { deployment } = synth({
      ...PROPS,
      backendStore: {
        kind: "postgresql",
        host: "db.example",
        port: 5433,
        database: "tracking",
        credentialsSecret: "db-creds",
      },
    });
    expect(deployment.spec.template.spec.containers[0].env.slice(0, 3)).toEqual([
      { name: "DB_USERNAME", ...secretRef("db-creds", "username") },
      { name: "DB_PASSWORD", ...secretRef("db-creds", "password") },
      { name: "BACKEND_STORE_URI", value: "postgresql://$(DB_USERNAME):$(DB_PASSWORD)@db.example:5433/tracking" },
    ]);
  });

  it("uses the given worker count", () => {
    expect(synth({ ...PROPS, workers: 1 }).deployment.spec.template.spec.containers[0].args[3]).toBe("--workers=1");
  });

  it("rejects a memory quantity it cannot convert", () => {
    const props = { ...PROPS, resources: { ...PROPS.resources, limits: { cpu: "1", memory: "1G" } } };
    expect(() => synth(props)).toThrow(/Memory quantity "1G" must be in Mi or Gi/);
  });

  test("with workload identity it runs as its bound ServiceAccount, with the webhook's pod labels and no keys", () => {
    const { deployment } = synth({
      ...PROPS,
      artifactsDestination: "wasbs://artifacts@accountml.blob.core.windows.net/",
      storage: {
        kind: "workload-identity",
        serviceAccountName: "mlflow",
        podLabels: { "azure.workload.identity/use": "true" },
        env: { AZURE_STORAGE_ACCOUNT: "accountml" },
      },
    });
    const pod = deployment.spec.template;
    expect(pod.metadata.labels).toEqual({ ...LABELS, "azure.workload.identity/use": "true" });
    expect(pod.spec.serviceAccountName).toBe("mlflow");
    const env = pod.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).toContain("AZURE_STORAGE_ACCOUNT");
    expect(env.filter((name: string) => name.startsWith("AWS_") || name.startsWith("MLFLOW_S3"))).toEqual([]);
  });
});
