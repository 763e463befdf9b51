/**
 * Kueue for real on the local control plane (the envtest pattern, ../shared/reference/facts-controlplane.md §3):
 * the pinned manager (`sigs.k8s.io/kueue`, built by scripts/cluster-tools.sh) runs as a local process with the
 * Configuration the platform's kueue release installs, read from that release's ConfigMap as it appears, so the
 * process runs what a user's cluster runs. Only what a process outside the cluster needs is changed: no
 * internal certificate management and no leader election, the webhook server on 127.0.0.1 with our
 * certificate, health and metrics on local ports. The webhook shim (scripts/local/webhooks.ts) then points
 * the chart's webhooks and CRD conversion at it by URL (LOCAL_SERVERS_FILE).
 *
 * Runs inside the cluster's network namespace and its own mount namespace: with internal certificate
 * management off, Kueue reads its metrics certificate from the fixed path /etc/kueue/metrics/certs
 * (kubernetes-sigs/kueue@v0.19.2:cmd/kueue/main.go), which an overlay on /etc provides in that mount
 * namespace only; the host's /etc is never written.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { kueueFrameworkGates } from "../../platform/components/kueue";
import type { LocalServerRecord } from "./webhooks";
import { LOCAL_SERVERS_FILE } from "./webhooks";

export const KUEUE_NAMESPACE = "kueue-system";
export const KUEUE_CONFIGMAP = "kueue-manager-config";
export const KUEUE_CONFIG_KEY = "controller_manager_config.yaml";
export const KUEUE_WEBHOOK_SERVICE = `${KUEUE_NAMESPACE}/kueue-webhook-service`;
/** `webhook` is the holding proxy the cluster calls; Kueue's own webhook server listens on `kueueWebhook`. */
export const KUEUE_PORTS = { webhook: 9443, kueueWebhook: 9444, health: 8081, metrics: 8443 } as const;
export type KueuePorts = { readonly [K in keyof typeof KUEUE_PORTS]: number };

/** KUEUE_PORTS shifted by a cluster's port offset (LocalState.portOffset), so several Kueues share one namespace. */
export function kueuePorts(offset = 0): KueuePorts {
  return Object.fromEntries(Object.entries(KUEUE_PORTS).map(([k, port]) => [k, port + offset])) as KueuePorts;
}
/** How long the proxy holds a call while Kueue starts: under the API server's 10 s webhook timeout. */
export const HOLD_MS = 9000;
export const KUEUE_METRICS_CERTS = "/etc/kueue/metrics/certs";
/** The CRDs the kueue chart 0.19.2 installs (its crds/ and templates/crd: kueue.x-k8s.io kinds). */
export const KUEUE_CRD_COUNT = 11;

/** The platform's Kueue Configuration, changed only where a process outside the cluster needs it. */
export function localKueueConfiguration(
  configYaml: string,
  certDir: string,
  ports: KueuePorts = KUEUE_PORTS,
): Record<string, unknown> {
  const config = parse(configYaml) as Record<string, unknown>;
  return {
    ...config,
    internalCertManagement: { enable: false },
    leaderElection: { leaderElect: false },
    webhook: { host: "127.0.0.1", port: ports.kueueWebhook, certDir },
    health: { ...(config.health as object), healthProbeBindAddress: `127.0.0.1:${ports.health}` },
    metrics: { ...(config.metrics as object), bindAddress: `127.0.0.1:${ports.metrics}` },
  };
}

/**
 * The manager's `--feature-gates`: the visibility API off (no APIService locally), and the gates of the alpha
 * integrations the Configuration lists, as the chart renders them from the kueue release's values.
 */
export function localKueueFeatureGates(configYaml: string): string {
  const config = parse(configYaml) as { integrations?: { frameworks?: string[] } };
  const gates = kueueFrameworkGates(config.integrations?.frameworks ?? []);
  return ["VisibilityOnDemand=false", ...gates.map((gate) => `${gate}=true`)].join(",");
}

/** A CA and a serving certificate for 127.0.0.1, made with openssl. */
async function certificates(dir: string): Promise<void> {
  const openssl = (args: string[]) => promisify(execFile)("openssl", args, { cwd: dir });
  mkdirSync(dir, { recursive: true });
  await openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cnai-local-ca"].concat([
      "-keyout",
      "ca.key",
      "-out",
      "ca.crt",
    ]),
  );
  await openssl([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    "tls.key",
    "-out",
    "tls.csr",
  ]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  await openssl(
    ["x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2"].concat([
      "-extfile",
      "san.ext",
      "-out",
      "tls.crt",
    ]),
  );
}

function ready(caPem: string, ports: KueuePorts): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpsRequest(
      `https://127.0.0.1:${ports.kueueWebhook}/`,
      { method: "GET", ca: caPem, timeout: 1000 },
      (response) => {
        response.resume();
        resolve(true);
      },
    );
    request.on("error", () => resolve(false));
    request.on("timeout", () => request.destroy());
    request.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether Kueue's own webhook server answers; set once Kueue is started. */
let kueueReady: () => Promise<boolean> = async () => false;

/**
 * An HTTPS proxy on the webhook port that holds each call (admission or conversion) until Kueue's webhook
 * server answers, at most HOLD_MS, then passes it through: what a real cluster's gate Job does by waiting.
 */
function holdingProxy(key: Buffer, cert: Buffer, caPem: string, ports: KueuePorts): Promise<void> {
  // Connections to Kueue are kept open: a TLS handshake per admission call costs more than the call.
  const agent = new HttpsAgent({ keepAlive: true, ca: caPem });
  const server = createHttpsServer({ key, cert }, (request, response) => {
    void (async () => {
      const deadline = Date.now() + HOLD_MS;
      while (!(await kueueReady()) && Date.now() < deadline) await sleep(100);
      const upstream = httpsRequest(
        {
          host: "127.0.0.1",
          port: ports.kueueWebhook,
          path: request.url,
          method: request.method,
          headers: request.headers,
          agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      upstream.on("error", (error) => {
        response.writeHead(503);
        response.end(`Kueue is not answering yet: ${error.message}`);
      });
      request.pipe(upstream);
    })();
  });
  return new Promise((resolve) => server.listen(ports.webhook, "127.0.0.1", () => resolve()));
}

/**
 * Waits for the kueue release's ConfigMap and CRDs, starts Kueue, and records it for the webhook shim once its
 * webhook server answers. Returns when Kueue exits (its exit code).
 */
export async function runLocalKueue(options: {
  stateDir: string;
  kubeconfig: string;
  kubectl: string;
  kueue: string;
  /** Added to KUEUE_PORTS (the cluster's LocalState.portOffset). @default 0 */
  portOffset?: number;
}): Promise<number> {
  const ports = kueuePorts(options.portOffset);
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  const dir = join(options.stateDir, "kueue");
  const certDir = join(dir, "certs");
  await certificates(certDir);
  mkdirSync(KUEUE_METRICS_CERTS, { recursive: true });
  for (const file of ["tls.crt", "tls.key"]) copyFileSync(join(certDir, file), join(KUEUE_METRICS_CERTS, file));
  const kube = (args: string[]) =>
    promisify(execFile)(options.kubectl, ["--kubeconfig", options.kubeconfig, ...args]).then((r) => r.stdout);

  // The webhooks go to the holding proxy at once, before Kueue runs: on this tier the kueue-webhook-ready gate
  // Job "completes" without running, so nothing else would make the next release wait for Kueue's webhooks.
  const proxyCa = readFileSync(join(certDir, "ca.crt"), "utf8");
  await holdingProxy(readFileSync(join(certDir, "tls.key")), readFileSync(join(certDir, "tls.crt")), proxyCa, ports);
  const record: LocalServerRecord[] = [
    {
      service: KUEUE_WEBHOOK_SERVICE,
      base: `https://127.0.0.1:${ports.webhook}`,
      caPem: proxyCa,
      servesAll: true,
    },
  ];
  writeFileSync(join(options.stateDir, LOCAL_SERVERS_FILE), JSON.stringify(record));
  log(`holding proxy on 127.0.0.1:${ports.webhook} recorded for the webhook shim`);

  let configYaml = "";
  for (;;) {
    try {
      const data = JSON.parse(
        await kube(["get", "configmap", "-n", KUEUE_NAMESPACE, KUEUE_CONFIGMAP, "-o", "jsonpath={.data}"]),
      ) as Record<string, string>;
      // Every Kueue CRD served before the manager starts: it sets up indexes on them and exits otherwise.
      const crds = (await kube(["get", "crd", "-o", "name"])).split("\n").filter((c) => c.endsWith(".kueue.x-k8s.io"));
      if (crds.length < KUEUE_CRD_COUNT) throw new Error("CRDs not all there yet");
      await kube(["wait", "--for=condition=Established", ...crds, "--timeout=5s"]);
      configYaml = data[KUEUE_CONFIG_KEY] ?? "";
      if (configYaml) break;
    } catch {
      // Not installed yet.
    }
    await sleep(200);
  }
  const configFile = join(dir, "config.yaml");
  writeFileSync(configFile, stringify(localKueueConfiguration(configYaml, certDir, ports)));
  const caPem = readFileSync(join(certDir, "ca.crt"), "utf8");
  let child: ReturnType<typeof spawn>;
  // Probed until it first answers, then taken as ready: a TLS handshake per held call made every admission slow.
  let answered = false;
  kueueReady = async () => (answered ||= await ready(caPem, ports));
  // The API's discovery can lag a fresh CRD by a moment: a manager that exits at start is started again.
  for (let attempt = 1; ; attempt++) {
    log(`starting Kueue with ${configFile} (attempt ${attempt})`);
    child = spawn(
      options.kueue,
      ["--config", configFile, `--feature-gates=${localKueueFeatureGates(configYaml)}`, "--zap-log-level=info"],
      { stdio: "inherit", env: { ...process.env, KUBECONFIG: options.kubeconfig } },
    );
    while (child.exitCode === null && !(await ready(caPem, ports))) await sleep(100);
    if (child.exitCode === null) break;
    if (attempt === 10) return child.exitCode;
    await sleep(500);
  }
  const running = child;
  const exited = new Promise<number>((resolve) => {
    if (running.exitCode !== null) resolve(running.exitCode);
    running.on("exit", (code) => resolve(code ?? 1));
  });
  log("Kueue's webhook server answers");
  return exited;
}

/** The command that runs the Kueue runner in its own mount namespace with an overlay on /etc. */
export function kueueRunnerCommand(root: string, stateDir: string): string[] {
  const upper = join(stateDir, "kueue", "etc-upper");
  const work = join(stateDir, "kueue", "etc-work");
  const script = [
    "set -e",
    `mkdir -p "${upper}" "${work}"`,
    `mount -t overlay overlay -o lowerdir=/etc,upperdir="${upper}",workdir="${work}" /etc`,
    `exec "${process.execPath}" --import tsx "${join(root, "scripts", "local.ts")}" kueue "${stateDir}"`,
  ].join("\n");
  return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script];
}
