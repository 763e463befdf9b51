import { evaluate } from "@marcbachmann/cel-js";
import { loadCheckedProfile } from "../../platform/check";
import { byText } from "../../profiles/order";
import type { K8sObject } from "../../reports/rendered";
import { findKubernetesValidate, validateCoreObjects } from "../../verify/upstream";
import type { RunResult, SmokeTarget } from "../../verify/smoke";
import {
  admissionOf,
  createCommand,
  deleteJobCommand,
  existenceChecks,
  getJobCommand,
  listWorkloadsCommand,
  parseSmokeArgs,
  runSmoke,
  smokeJob,
  smokeJobName,
  smokeTargets,
} from "../../verify/smoke";
import { rendered } from "../support/rendered";

const LAPTOP: SmokeTarget[] = [
  {
    team: "default",
    clusterQueue: "default",
    namespace: "team-default",
    localQueue: "default",
    priorityClass: "batch",
  },
];
const CLUSTER_GPU: SmokeTarget[] = [
  {
    team: "research",
    clusterQueue: "research",
    namespace: "team-research",
    localQueue: "default",
    priorityClass: "batch",
  },
  {
    team: "serving",
    clusterQueue: "serving",
    namespace: "team-serving",
    localQueue: "default",
    priorityClass: "interactive",
  },
  {
    team: "training",
    clusterQueue: "training",
    namespace: "team-training",
    localQueue: "default",
    priorityClass: "batch",
  },
];

const objectsOf = (profile: string, release: string): readonly K8sObject[] =>
  rendered(profile)[0].releases.find((r) => r.name === release)?.objects ?? [];

/** What the API server answers for an object under a rendered ValidatingAdmissionPolicy: the first failing message, or "admitted". */
function admit(policies: readonly K8sObject[], name: string, object: unknown): string {
  const policy = policies.find((p) => p.kind === "ValidatingAdmissionPolicy" && p.metadata.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  for (const v of policy.spec.validations as Array<{ expression: string; message: string }>) {
    if (evaluate(v.expression, { object }) !== true) return v.message;
  }
  return "admitted";
}

/** The checks of the Pod Security Standards' restricted profile (kubernetes.io/docs/concepts/security/pod-security-standards). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pod is plain JSON of many shapes
function restrictedViolations(pod: Record<string, any>): string[] {
  const found: string[] = [];
  const spec = pod.spec;
  const allowedVolumes = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
  ];
  for (const key of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[key]) found.push(key);
  for (const volume of spec.volumes ?? []) {
    for (const type of Object.keys(volume).filter((k) => k !== "name")) {
      if (!allowedVolumes.includes(type)) found.push(`volume ${volume.name}: ${type}`);
    }
  }
  const podContext = spec.securityContext ?? {};
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) found.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) found.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.capabilities?.drop ?? []).includes("ALL")) found.push(`${c.name}: capabilities.drop ALL`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== "NET_BIND_SERVICE")) found.push(`${c.name}: add`);
    if ((sc.runAsNonRoot ?? podContext.runAsNonRoot) !== true) found.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) found.push(`${c.name}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? podContext.seccompProfile?.type;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") found.push(`${c.name}: seccompProfile`);
    if ((c.ports ?? []).some((p: { hostPort?: number }) => p.hostPort)) found.push(`${c.name}: hostPort`);
  }
  return found;
}

describe("what the smoke check checks, derived from the profile", () => {
  test.each([
    ["laptop", LAPTOP],
    ["cluster-gpu", CLUSTER_GPU],
  ])(
    "%s: every team's ClusterQueue and LocalQueue, exactly as the kueue-queues release creates them",
    (name, targets) => {
      expect(smokeTargets(loadCheckedProfile(name))).toEqual(targets);
      const objects = objectsOf(name, "kueue-queues");
      expect(
        objects
          .filter((o) => o.kind === "ClusterQueue")
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual(targets.map((t) => t.clusterQueue));
      expect(
        objects
          .filter((o) => o.kind === "LocalQueue")
          .map((o) => ({ namespace: o.metadata.namespace, name: o.metadata.name, clusterQueue: o.spec.clusterQueue }))
          .sort((a, b) => byText(a.namespace as string, b.namespace as string)),
      ).toEqual(targets.map((t) => ({ namespace: t.namespace, name: t.localQueue, clusterQueue: t.clusterQueue })));
    },
  );

  test("follows a renamed namespace and an added team", () => {
    const profile = loadCheckedProfile("laptop", {
      teams: {
        default: { namespace: "ml-team" },
        vision: { defaultPriority: "preemptible", quota: { workers: { cpu: "1", memory: "1Gi" } } },
      },
    });
    expect(smokeTargets(profile)).toEqual([
      { ...LAPTOP[0], namespace: "ml-team" },
      {
        team: "vision",
        clusterQueue: "vision",
        namespace: "team-vision",
        localQueue: "default",
        priorityClass: "preemptible",
      },
    ]);
  });

  test("refuses a profile whose Kueue is not managed: there would be no queue to check", () => {
    expect(() =>
      smokeTargets(loadCheckedProfile("laptop", { components: { kueue: { lifecycle: "external" } } })),
    ).toThrow(
      'profile "laptop" does not manage Kueue (components.kueue.lifecycle is external), so it creates no queues to check',
    );
  });
});

describe("the sample Job", () => {
  const profile = loadCheckedProfile("laptop");
  const job = smokeJob(profile, LAPTOP[0], "cnai-smoke-abc") as K8sObject;

  test("is the golden path's queued Job, created suspended, in the team's LocalQueue, small, pinned and restricted", () => {
    expect(job).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "cnai-smoke-abc",
        namespace: "team-default",
        labels: {
          "app.kubernetes.io/name": "cnai-smoke-abc",
          "kueue.x-k8s.io/queue-name": "default",
          "kueue.x-k8s.io/priority-class": "batch",
        },
      },
      spec: {
        suspend: true,
        backoffLimit: 0,
        activeDeadlineSeconds: 300,
        ttlSecondsAfterFinished: 600,
        template: {
          metadata: { labels: { "app.kubernetes.io/name": "cnai-smoke-abc" } },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "smoke",
                image: "registry.k8s.io/kubectl:v1.35.0",
                args: ["version", "--client"],
                resources: {
                  requests: { cpu: "100m", memory: "64Mi" },
                  limits: { cpu: "100m", memory: "64Mi" },
                },
                env: [{ name: "HOME", value: "/tmp" }],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                volumeMounts: [{ name: "scratch", mountPath: "/tmp" }],
              },
            ],
            volumes: [{ name: "scratch", emptyDir: {} }],
          },
        },
      },
    });
  });

  test.each(["laptop", "cluster-gpu"])(
    "passes the guardrails synthesized for %s, and its pod meets Pod Security restricted in every team namespace",
    (name) => {
      const checked = loadCheckedProfile(name);
      const policies = objectsOf(name, "team-tenancy");
      for (const target of smokeTargets(checked)) {
        const teamJob = smokeJob(checked, target, "cnai-smoke-abc") as K8sObject;
        const pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { namespace: target.namespace },
          ...teamJob.spec.template,
        };
        expect([admit(policies, "cnai-queue-label", teamJob), admit(policies, "cnai-images", pod)]).toEqual([
          "admitted",
          "admitted",
        ]);
        expect(restrictedViolations(pod)).toEqual([]);
        // The guardrails apply there, and the namespace enforces restricted (so the check above is what the API server does).
        const bindings = policies.filter((p) => p.kind === "ValidatingAdmissionPolicyBinding");
        for (const binding of bindings.filter((b) => ["cnai-queue-label", "cnai-images"].includes(b.metadata.name))) {
          expect(binding.spec.matchResources.namespaceSelector.matchExpressions[0].values).toContain(target.namespace);
        }
      }
      const namespaces = rendered(name)[0].profile.teams;
      expect(Object.keys(namespaces).sort()).toEqual(smokeTargets(checked).map((t) => t.team));
    },
  );

  test("without the queue label the guardrail would refuse it: the check above is not vacuous", () => {
    const policies = objectsOf("laptop", "team-tenancy");
    const unlabelled = { ...job, metadata: { ...job.metadata, labels: {} } };
    expect(admit(policies, "cnai-queue-label", unlabelled)).toMatch(/must carry the label kueue.x-k8s.io\/queue-name/);
    expect(
      restrictedViolations({
        spec: { ...job.spec.template.spec, securityContext: {}, volumes: [{ name: "h", hostPath: {} }] },
      }),
    ).toEqual(["volume h: hostPath", "smoke: runAsNonRoot", "smoke: seccompProfile"]);
  });

  test("pulls through the profile's image mirror", () => {
    const mirrored = smokeJob(
      loadCheckedProfile("laptop", { mirror: { images: "registry.example.com/mirror" } }),
      LAPTOP[0],
      "cnai-smoke-abc",
    ) as K8sObject;
    expect(mirrored.spec.template.spec.containers[0].image).toBe(
      "registry.example.com/mirror/registry.k8s.io/kubectl:v1.35.0",
    );
  });

  test("validates strictly against the Kubernetes schema", () => {
    const tool = findKubernetesValidate();
    expect(tool).toMatch(/kubernetes-validate$/);
    expect(validateCoreObjects([{ source: "smoke", object: job }], tool as string)).toEqual([]);
  });

  test("names are DNS labels", () => {
    expect(smokeJobName("m3x9k2")).toBe("cnai-smoke-m3x9k2");
    expect(() => smokeJobName("Bad_Suffix")).toThrow('smoke Job name "cnai-smoke-Bad_Suffix" is not a DNS label');
  });
});

describe("the kubectl commands", () => {
  test("check existence of each queue by its full resource name, in the given context or the current one", () => {
    expect(existenceChecks(LAPTOP, "kind-cnai-laptop")).toEqual([
      {
        what: 'ClusterQueue "default" (team default)',
        argv: [
          "kubectl",
          "--context",
          "kind-cnai-laptop",
          "get",
          "clusterqueues.kueue.x-k8s.io",
          "default",
          "-o",
          "name",
        ],
      },
      {
        what: 'LocalQueue "default" in namespace "team-default" (team default)',
        argv: [
          "kubectl",
          "--context",
          "kind-cnai-laptop",
          "get",
          "localqueues.kueue.x-k8s.io",
          "-n",
          "team-default",
          "default",
          "-o",
          "name",
        ],
      },
    ]);
    expect(existenceChecks(CLUSTER_GPU).map((c) => c.argv.join(" "))).toEqual([
      "kubectl get clusterqueues.kueue.x-k8s.io research -o name",
      "kubectl get localqueues.kueue.x-k8s.io -n team-research default -o name",
      "kubectl get clusterqueues.kueue.x-k8s.io serving -o name",
      "kubectl get localqueues.kueue.x-k8s.io -n team-serving default -o name",
      "kubectl get clusterqueues.kueue.x-k8s.io training -o name",
      "kubectl get localqueues.kueue.x-k8s.io -n team-training default -o name",
    ]);
  });

  test("create, read, list Workloads and delete", () => {
    expect(createCommand("c")).toEqual(["kubectl", "--context", "c", "create", "-f", "-", "-o", "json"]);
    expect(getJobCommand("team-default", "j")).toEqual([
      "kubectl",
      "get",
      "jobs.batch",
      "-n",
      "team-default",
      "j",
      "-o",
      "json",
    ]);
    expect(listWorkloadsCommand("team-default", "c")).toEqual([
      "kubectl",
      "--context",
      "c",
      "get",
      "workloads.kueue.x-k8s.io",
      "-n",
      "team-default",
      "-o",
      "json",
    ]);
    expect(deleteJobCommand("team-default", "j")).toEqual([
      "kubectl",
      "delete",
      "jobs.batch",
      "-n",
      "team-default",
      "j",
      "--ignore-not-found",
      "--cascade=background",
      "--wait=true",
      "--timeout=60s",
    ]);
  });

  test("the command line", () => {
    expect(parseSmokeArgs(["laptop"])).toEqual({ profile: "laptop" });
    expect(parseSmokeArgs(["laptop", "--context", "kind-cnai-laptop", "--timeout=60"])).toEqual({
      profile: "laptop",
      context: "kind-cnai-laptop",
      timeoutSeconds: 60,
    });
    expect(parseSmokeArgs(["--context=x", "cluster-gpu"])).toEqual({ profile: "cluster-gpu", context: "x" });
    expect(() => parseSmokeArgs([])).toThrow("name the profile; usage: npm run smoke -- <profile>");
    expect(() => parseSmokeArgs(["laptop", "--context"])).toThrow("--context needs a value");
    expect(() => parseSmokeArgs(["laptop", "--timeout", "0"])).toThrow("--timeout must be a whole number of seconds");
    expect(() => parseSmokeArgs(["laptop", "--wait"])).toThrow("unknown option --wait");
    expect(() => parseSmokeArgs(["laptop", "cluster-gpu"])).toThrow('one profile only, got "laptop" and "cluster-gpu"');
  });
});

describe("admission", () => {
  const job = (suspend: boolean) => ({ metadata: { uid: "u1" }, spec: { suspend } });
  const workload = (
    conditions: Array<{ type: string; status: string; reason?: string; message?: string }>,
    uid = "u1",
  ) => ({
    metadata: { name: "job-cnai-smoke-abc-1a2b3", ownerReferences: [{ uid }] },
    status: { conditions },
  });

  test("is the Workload's Admitted condition, or the Job no longer suspended", () => {
    expect(admissionOf(job(true), [workload([{ type: "Admitted", status: "True" }])])).toEqual({
      admitted: true,
      detail: "Workload job-cnai-smoke-abc-1a2b3 is Admitted",
    });
    expect(admissionOf(job(false), [])).toEqual({ admitted: true, detail: "the Job is no longer suspended" });
  });

  test("otherwise says what is pending: no Workload at all, or its conditions", () => {
    expect(admissionOf(job(true), [workload([], "other")])).toEqual({
      admitted: false,
      detail:
        "no kueue.x-k8s.io/v1beta2 Workload was created for the Job: is Kueue running, and is the namespace opted in to it?",
    });
    expect(
      admissionOf(job(true), [
        workload([
          {
            type: "QuotaReserved",
            status: "False",
            reason: "Pending",
            message: "couldn't assign flavors to pod set main: insufficient quota for cpu",
          },
        ]),
      ]),
    ).toEqual({
      admitted: false,
      detail:
        "Workload job-cnai-smoke-abc-1a2b3: QuotaReserved=False (Pending): couldn't assign flavors to pod set main: insufficient quota for cpu",
    });
  });
});

describe("runSmoke against a scripted kubectl", () => {
  const profile = loadCheckedProfile("laptop");
  const ok = (stdout = ""): RunResult => ({ status: 0, stdout, stderr: "" });

  function fakeKubectl(admitAfterPolls: number | undefined, missing: string[] = []) {
    const calls: string[] = [];
    let polls = 0;
    const run = (argv: readonly string[], stdin?: string): RunResult => {
      const line = argv.join(" ");
      calls.push(line);
      if (missing.some((m) => line.includes(m))) {
        const name = argv[argv.indexOf("-o") - 1];
        return { status: 1, stdout: "", stderr: `Error from server (NotFound): ${name} not found\n` };
      }
      if (line.includes(" create ")) {
        const created = JSON.parse(stdin as string) as { metadata: Record<string, unknown> };
        return ok(JSON.stringify({ ...created, metadata: { ...created.metadata, uid: "u1" } }));
      }
      if (line.includes("get jobs.batch")) {
        polls++;
        const admitted = admitAfterPolls !== undefined && polls > admitAfterPolls;
        return ok(JSON.stringify({ metadata: { uid: "u1" }, spec: { suspend: !admitted } }));
      }
      if (line.includes("get workloads")) {
        const conditions = [{ type: "QuotaReserved", status: "False", reason: "Pending", message: "waiting" }];
        return ok(
          JSON.stringify({
            items: [{ metadata: { name: "w", ownerReferences: [{ uid: "u1" }] }, status: { conditions } }],
          }),
        );
      }
      return ok();
    };
    return { run, calls };
  }

  const options = () => {
    let clock = 0;
    return {
      context: "kind-cnai-laptop",
      suffix: "t1",
      timeoutSeconds: 10,
      pollMilliseconds: 2000,
      now: () => clock,
      sleep: (ms: number) => {
        clock += ms;
      },
    };
  };

  test("passes when Kueue admits the Job, and deletes it", () => {
    const { run, calls } = fakeKubectl(1);
    expect(runSmoke(profile, run, options())).toEqual([]);
    expect(calls).toEqual([
      "kubectl --context kind-cnai-laptop get clusterqueues.kueue.x-k8s.io default -o name",
      "kubectl --context kind-cnai-laptop get localqueues.kueue.x-k8s.io -n team-default default -o name",
      "kubectl --context kind-cnai-laptop create -f - -o json",
      "kubectl --context kind-cnai-laptop get jobs.batch -n team-default cnai-smoke-t1 -o json",
      "kubectl --context kind-cnai-laptop get workloads.kueue.x-k8s.io -n team-default -o json",
      "kubectl --context kind-cnai-laptop get jobs.batch -n team-default cnai-smoke-t1 -o json",
      "kubectl --context kind-cnai-laptop get workloads.kueue.x-k8s.io -n team-default -o json",
      "kubectl --context kind-cnai-laptop delete jobs.batch -n team-default cnai-smoke-t1 --ignore-not-found --cascade=background --wait=true --timeout=60s",
    ]);
  });

  test("fails with the Workload's state when Kueue never admits it, and still deletes the Job", () => {
    const { run, calls } = fakeKubectl(undefined);
    expect(runSmoke(profile, run, options())).toEqual([
      "team default: Kueue did not admit Job team-default/cnai-smoke-t1 (LocalQueue default, ClusterQueue default) within 10s: Workload w: QuotaReserved=False (Pending): waiting",
    ]);
    expect(calls.at(-1)).toContain("delete jobs.batch -n team-default cnai-smoke-t1");
  });

  test("names each missing queue and creates no Job", () => {
    const { run, calls } = fakeKubectl(0, ["clusterqueues.kueue.x-k8s.io default"]);
    expect(runSmoke(profile, run, options())).toEqual([
      'ClusterQueue "default" (team default): not found or not readable: Error from server (NotFound): default not found',
    ]);
    expect(calls.some((c) => c.includes(" create "))).toBe(false);
  });
});
