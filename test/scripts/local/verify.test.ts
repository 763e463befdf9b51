import {
  draAdmissionProblems,
  draSampleExpectations,
  keptByHelm,
  localClusterOverride,
  PhaseError,
  PhaseRunner,
  tofuError,
  trainJobAdmissionProblems,
  trainJobSampleExpectations,
} from "../../../scripts/local/verify";
import { loadCheckedProfile } from "../../../platform/check";

describe("verify:cluster", () => {
  test("each phase reports its detail and time; a failure, also one labelled inside, carries the phase's label", async () => {
    const lines: string[] = [];
    const runner = new PhaseRunner((line) => lines.push(line));
    await runner.phase("record", async () => "25 releases");
    expect(runner.results.map((r) => [r.phase, r.detail])).toEqual([["record", "25 releases"]]);
    expect(lines[0]).toMatch(/^record: 25 releases \(\d+\.\d s\)$/);
    await expect(
      runner.phase("upgrade", async () => {
        throw new PhaseError("apply", "Error: Helm release error");
      }),
    ).rejects.toThrow(/^upgrade: Error: Helm release error$/);
    await expect(
      runner.phase("checks", async () => {
        throw new Error("a claim was deleted");
      }),
    ).rejects.toThrow(/^checks: a claim was deleted$/);
    expect(runner.results).toHaveLength(1);
  });

  test("turns a kind profile into a bring-your-own-cluster profile on the local control plane", () => {
    expect(localClusterOverride(loadCheckedProfile("cluster-gpu"), "/x/kubeconfig", "v1.35.8")).toEqual({
      cluster: { provider: "kubeconfig", name: "cnai-cluster", kubeconfig: "/x/kubeconfig", kubernetesVersion: "1.35" },
      mirror: { charts: "http://127.0.0.1:8879" },
      pools: { full: { gpu: { hostDevices: null } }, mig: { gpu: { hostDevices: null } } },
    });
    const override = localClusterOverride(loadCheckedProfile("cluster-gpu"), "/x/kubeconfig", "v1.35.8");
    expect(loadCheckedProfile("cluster-gpu", override).cluster.provider).toBe("kubeconfig");
  });

  test("reports OpenTofu's error without colours or box drawing", () => {
    const output =
      "\x1b[31m│\x1b[0m Error: Helm release error\n│ \n│   with helm_release.release-kueue,\n0 Stacks deploying\n";
    expect(tofuError(output)).toBe("Error: Helm release error with helm_release.release-kueue,");
  });

  test("a CRD Helm keeps: from a chart's crds/ folder, or marked keep", () => {
    expect([
      keptByHelm(undefined),
      keptByHelm({ "meta.helm.sh/release-name": "cert-manager", "helm.sh/resource-policy": "keep" }),
      keptByHelm({ "meta.helm.sh/release-name": "kueue" }),
    ]).toEqual([true, true, false]);
  });

  test("DRA samples: the training Jobs on DRA pools, with their claim template, flavor and quota resource", () => {
    expect(draSampleExpectations(loadCheckedProfile("cluster-gpu-dra"))).toEqual([
      {
        sample: "finetune-slice",
        namespace: "team-research",
        job: "finetune-slice",
        claimTemplate: "finetune-slice-gpu",
        flavor: "mig",
        resource: "dra.cnai.io/mig",
        count: 1,
      },
      {
        sample: "pretrain",
        namespace: "team-training",
        job: "pretrain",
        claimTemplate: "pretrain-gpu",
        flavor: "full",
        resource: "dra.cnai.io/gpu",
        count: 2,
      },
    ]);
    expect(draSampleExpectations(loadCheckedProfile("cluster-gpu"))).toEqual([]);
  });

  describe("DRA admission problems", () => {
    const [, pretrain] = draSampleExpectations(loadCheckedProfile("cluster-gpu-dra"));
    const meta = (name: string) => ({ metadata: { name, namespace: "team-training" } });
    const job = {
      metadata: { name: "pretrain", namespace: "team-training", uid: "job-uid" },
      status: { succeeded: 1 },
    };
    const workload = (flavor: string, usage: string, admitted = "True") => ({
      metadata: {
        name: "job-pretrain-9e9f1",
        namespace: "team-training",
        ownerReferences: [{ kind: "Job", uid: "job-uid" }],
      },
      status: {
        admission: {
          clusterQueue: "training",
          podSetAssignments: [
            {
              flavors: { cpu: flavor, memory: flavor, "dra.cnai.io/gpu": flavor },
              resourceUsage: { cpu: "1", memory: "2Gi", "dra.cnai.io/gpu": usage },
            },
          ],
        },
        conditions: [{ type: "Admitted", status: admitted, reason: "Admitted", message: "The workload is admitted" }],
      },
    });

    test("none when the template exists and Kueue admitted the Job on the pool's flavor with the devices", () => {
      expect(
        draAdmissionProblems([pretrain], {
          templates: [meta("pretrain-gpu")],
          jobs: [job],
          workloads: [workload("full", "2")],
        }),
      ).toEqual([]);
    });

    test("names the missing template, Job or Workload, and a wrong flavor, count or admission", () => {
      const cluster = { templates: [meta("pretrain-gpu")], jobs: [job] };
      expect(draAdmissionProblems([pretrain], { ...cluster, templates: [], workloads: [] })).toEqual([
        "sample pretrain: no resource.k8s.io/v1 ResourceClaimTemplate team-training/pretrain-gpu (the samples release renders it beside Job pretrain)",
      ]);
      expect(draAdmissionProblems([pretrain], { ...cluster, jobs: [], workloads: [] })).toEqual([
        "sample pretrain: no Job team-training/pretrain",
      ]);
      expect(draAdmissionProblems([pretrain], { ...cluster, workloads: [] })).toEqual([
        "sample pretrain: Job team-training/pretrain has no Kueue Workload (is Kueue running?)",
      ]);
      expect(draAdmissionProblems([pretrain], { ...cluster, workloads: [workload("mig", "1")] })).toEqual([
        "sample pretrain: Workload team-training/job-pretrain-9e9f1 should be Admitted with dra.cnai.io/gpu: 2 on flavor full, got Admitted, dra.cnai.io/gpu 1 on flavor mig; conditions: Admitted=True (Admitted: The workload is admitted)",
      ]);
      expect(
        draAdmissionProblems([pretrain], {
          ...cluster,
          jobs: [{ ...job, status: {} }],
          workloads: [workload("full", "2")],
        }),
      ).toEqual([
        "sample pretrain: Job team-training/pretrain was admitted but no pod succeeded: is a device of its DeviceClass free in pool full's ResourceSlices (kubectl get resourceslices; kubectl describe pod)?",
      ]);
      const pending = { ...workload("full", "2", "False"), status: { conditions: [] } };
      expect(draAdmissionProblems([pretrain], { ...cluster, workloads: [pending] })).toEqual([
        "sample pretrain: Workload team-training/job-pretrain-9e9f1 should be Admitted with dra.cnai.io/gpu: 2 on flavor full, got not Admitted, dra.cnai.io/gpu not in its admission",
      ]);
    });
  });

  test("TrainJob samples: Kueue must admit all of the TrainJob's nodes at once on its pool's flavor, and says what it did instead", () => {
    const expected = trainJobSampleExpectations(loadCheckedProfile("cluster-gpu"));
    expect(expected).toEqual([
      {
        sample: "pretrain",
        namespace: "team-training",
        trainJob: "pretrain",
        flavor: "full",
        resource: "nvidia.com/gpu",
        count: 2,
      },
    ]);
    expect(trainJobSampleExpectations(loadCheckedProfile("workstation-gpu"))).toEqual([]);
    const workload = (usage: string, admitted: string) => ({
      metadata: {
        name: "trainjob-pretrain-1a2b3",
        namespace: "team-training",
        ownerReferences: [{ kind: "TrainJob", name: "pretrain", uid: "tj-uid" }],
      },
      status: {
        admission: {
          clusterQueue: "training",
          podSetAssignments: [{ flavors: { "nvidia.com/gpu": "full" }, resourceUsage: { "nvidia.com/gpu": usage } }],
        },
        conditions: [{ type: "Admitted", status: admitted, reason: "Admitted", message: "The workload is admitted" }],
      },
    });
    expect(trainJobAdmissionProblems(expected, [workload("2", "True")])).toEqual([]);
    expect(trainJobAdmissionProblems(expected, [])).toEqual([
      "sample pretrain: TrainJob team-training/pretrain has no Kueue Workload (is its trainer.kubeflow.org/trainjob integration enabled, and the ClusterTrainingRuntime there?)",
    ]);
    expect(trainJobAdmissionProblems(expected, [workload("1", "False")])).toEqual([
      "sample pretrain: Workload team-training/trainjob-pretrain-1a2b3 should be Admitted with nvidia.com/gpu: 2 on flavor full, got not Admitted, nvidia.com/gpu 1 on flavor full; conditions: Admitted=False (Admitted: The workload is admitted)",
    ]);
  });
});
