import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { escapeHelmTemplates } from "../../stacks/local-chart";
import type { CheckovReport, Finding, Skip } from "../../verify/checkov";
import {
  CHECK_ID,
  checkovReadyTfJson,
  findingsOf,
  FRAMEWORKS,
  helmRenderedText,
  manifestObjectCount,
  loadSkipList,
  parseSkipList,
  resourceLines,
  scanProblems,
  triage,
} from "../../verify/checkov";

const ROOT = resolve(__dirname, "../..");

const finding = (checkId: string, resource: string, framework: Finding["framework"] = "kubernetes"): Finding => ({
  framework,
  checkId,
  checkName: "a check",
  resource,
  file: "/stacks/s/x.yaml",
  line: 1,
});

describe("the checked-in skip list", () => {
  const list = loadSkipList();

  test("has a section for each framework and nothing else", () => {
    const raw = readFileSync(resolve(ROOT, "verify/checkov-skips.yaml"), "utf8");
    expect(Object.keys(list).sort()).toEqual([...FRAMEWORKS].sort());
    expect(parseSkipList(raw)).toEqual(list);
  });

  test("gives every entry a checkov check id, at least one resource and a one-line reason", () => {
    for (const framework of FRAMEWORKS) {
      expect(list[framework].length).toBeGreaterThan(0);
      for (const skip of list[framework]) {
        expect(skip.id).toMatch(/^CKV2?_[A-Z0-9_]+$/);
        expect(skip.resources.length).toBeGreaterThan(0);
        expect(skip.reason.trim()).not.toBe("");
        expect(skip.reason).not.toMatch(/\n/);
      }
    }
  });

  test("scopes every skip to named resources, never to every resource of the check", () => {
    for (const skip of FRAMEWORKS.flatMap((f) => list[f])) {
      for (const pattern of skip.resources) expect(pattern.replace(/\*/g, "")).toMatch(/[A-Za-z]{3}/);
    }
  });
});

describe("reading a skip list", () => {
  test("rejects a bad id, a missing reason, a multi-line reason and an unscoped entry, all at once", () => {
    const text = [
      "terraform:",
      "  - id: AWS_1",
      "    resources: [aws_s3_bucket.a]",
      "    reason: x",
      "  - id: CKV_AWS_2",
      "    resources: [aws_s3_bucket.a]",
      "  - id: CKV_AWS_3",
      "    resources: []",
      "    reason: x",
      "kubernetes:",
      "  - id: CKV_K8S_1",
      "    resources: [Job.a.b]",
      '    reason: "one\\ntwo"',
    ].join("\n");
    let message = "";
    try {
      parseSkipList(text);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("terraform[0]: id");
    expect(message).toContain("terraform[1]: reason");
    expect(message).toContain("terraform[2]: resources");
    expect(message).toContain("kubernetes[0]: reason");
  });

  test("rejects an unknown framework, an unknown key and the same resource listed twice for one check", () => {
    const text = [
      "helm: []",
      "kubernetes:",
      "  - id: CKV_K8S_1",
      "    resources: [Job.a.b]",
      "    reason: x",
      "    until: never",
      "  - id: CKV_K8S_1",
      "    resources: [Job.a.b]",
      "    reason: y",
    ].join("\n");
    expect(() => parseSkipList(text)).toThrow(/unknown framework "helm"[\s\S]*unknown key "until"[\s\S]*listed twice/);
  });

  test("accepts a list with only one framework's section", () => {
    const list = parseSkipList("kubernetes:\n  - id: CKV_K8S_1\n    resources: [Job.a.b]\n    reason: x\n");
    expect(list.terraform).toEqual([]);
    expect(list.kubernetes).toEqual([{ id: "CKV_K8S_1", resources: ["Job.a.b"], reason: "x" }]);
    expect(CHECK_ID.test("CKV2_AWS_12")).toBe(true);
  });
});

describe("the required_version workaround", () => {
  const stack = {
    "//": { metadata: { stackName: "eks-gpu-cluster" } },
    terraform: {
      backend: { s3: { bucket: "b", key: "k" } },
      required_providers: { aws: { source: "hashicorp/aws", version: "6.25.0" } },
      required_version: ">= 1.10.0",
    },
    resource: { aws_s3_bucket: { models: { bucket: "m" } } },
  };

  test("removes terraform.required_version, which checkov 3.3 cannot parse, and reports it", () => {
    const { text, removed } = checkovReadyTfJson(JSON.stringify(stack));
    expect(removed).toEqual(["terraform.required_version"]);
    const copy = JSON.parse(text);
    expect(copy.terraform).toEqual({
      backend: stack.terraform.backend,
      required_providers: stack.terraform.required_providers,
    });
  });

  test("keeps everything else as synthesized", () => {
    const copy = JSON.parse(checkovReadyTfJson(JSON.stringify(stack)).text);
    expect(copy.resource).toEqual(stack.resource);
    expect(copy["//"]).toEqual(stack["//"]);
  });

  test("leaves a stack without plain terraform settings unchanged", () => {
    const plain = { terraform: { required_providers: {} }, resource: {} };
    const { text, removed } = checkovReadyTfJson(JSON.stringify(plain));
    expect(removed).toEqual([]);
    expect(JSON.parse(text)).toEqual(plain);
  });
});

describe("resource addresses of Terraform JSON lines", () => {
  test("maps the first line of each resource and data source to its address", () => {
    const text = checkovReadyTfJson(
      JSON.stringify({
        data: { aws_availability_zones: { zones: { state: "available" } } },
        resource: {
          aws_s3_bucket: { models: { bucket: "m" }, artifacts: { bucket: "a" } },
          aws_vpc: { vpc: { tags: { Name: "x" } } },
        },
      }),
    ).text;
    const lines = resourceLines(text);
    const at = (address: string) => [...lines].find(([, a]) => a === address)?.[0];
    expect([...lines.values()].sort()).toEqual([
      "aws_s3_bucket.artifacts",
      "aws_s3_bucket.models",
      "aws_vpc.vpc",
      "data.aws_availability_zones.zones",
    ]);
    expect(text.split("\n")[(at("aws_s3_bucket.models") ?? 0) - 1]).toBe('      "models": {');
    expect(text.split("\n")[(at("data.aws_availability_zones.zones") ?? 0) - 1]).toBe('      "zones": {');
  });
});

describe("findings from a checkov report", () => {
  const report: CheckovReport = {
    check_type: "terraform_json",
    results: {
      failed_checks: [
        {
          check_id: "CKV_AWS_21",
          check_name: "versioning",
          resource: "resource.models",
          file_path: "/stacks/a/cdk.tf.json",
          file_line_range: [12, 20],
        },
        {
          check_id: "CKV2_AWS_12",
          check_name: "default sg",
          resource: "aws_vpc.vpc",
          file_path: "/stacks/a/cdk.tf.json",
        },
      ],
    },
    summary: { passed: 3, failed: 2, skipped: 0, parsing_errors: 0 },
  };

  test("puts the resource type back into terraform_json addresses by line", () => {
    const addresses = new Map([["/stacks/a/cdk.tf.json", new Map([[12, "aws_s3_bucket.models"]])]]);
    const findings = findingsOf("terraform", report, addresses);
    expect(findings.map((f) => f.resource)).toEqual(["aws_s3_bucket.models", "aws_vpc.vpc"]);
    expect(findings[0]).toMatchObject({ checkId: "CKV_AWS_21", file: "/stacks/a/cdk.tf.json", line: 12 });
  });

  test("reads a report without results as no findings", () => {
    expect(findingsOf("kubernetes", { summary: report.summary })).toEqual([]);
  });
});

describe("triage against the skip list", () => {
  const skips: Skip[] = [
    { id: "CKV_K8S_38", resources: ["Job.*.*-webhook-ready"], reason: "needs its token" },
    { id: "CKV_K8S_43", resources: ["Deployment.mlflow.mlflow", "Job.*.gone"], reason: "tracked: digests" },
  ];

  test("skips a finding whose check and resource are listed", () => {
    const result = triage([finding("CKV_K8S_38", "Job.kserve.kserve-webhook-ready")], skips);
    expect(result.skipped).toHaveLength(1);
    expect(result.fresh).toEqual([]);
  });

  test("fails a new check on a listed resource, and a listed check on a new resource", () => {
    const fresh = [
      finding("CKV_K8S_40", "Deployment.mlflow.mlflow"),
      finding("CKV_K8S_38", "Deployment.mlflow.mlflow"),
    ];
    expect(triage(fresh, skips).fresh).toEqual(fresh);
  });

  test("matches whole addresses only", () => {
    expect(triage([finding("CKV_K8S_43", "Deployment.mlflow.mlflow-2")], skips).fresh).toHaveLength(1);
  });

  test("reports every skip pattern that matched no finding", () => {
    const result = triage(
      [
        finding("CKV_K8S_38", "Job.kueue-system.kueue-webhook-ready"),
        finding("CKV_K8S_43", "Deployment.mlflow.mlflow"),
      ],
      skips,
    );
    expect(result.unused).toEqual(["CKV_K8S_43 Job.*.gone"]);
  });
});

describe("the empty-scan guard", () => {
  const summary = { passed: 0, failed: 0, skipped: 0, parsing_errors: 0 };

  test("fails a scan that ran no check", () => {
    expect(scanProblems("terraform", { summary })).toEqual([
      "terraform: checkov ran no check (an empty scan proves nothing)",
    ]);
  });

  test("fails a scan with a file checkov could not parse, as with required_version left in", () => {
    expect(scanProblems("terraform", { summary: { ...summary, passed: 5, parsing_errors: 1 } })).toEqual([
      "terraform: checkov could not parse 1 file(s)",
    ]);
  });

  test("accepts a scan that parsed everything and ran checks", () => {
    expect(scanProblems("kubernetes", { summary: { ...summary, passed: 1 } })).toEqual([]);
  });

  test("fails a scan that parsed fewer resources than the manifests hold: checkov drops an unreadable file silently", () => {
    expect(scanProblems("kubernetes", { summary: { ...summary, passed: 9, resource_count: 13 } }, 17)).toEqual([
      "kubernetes: checkov parsed 13 resources of 17 objects in the manifests: a file it could not read was skipped silently",
    ]);
    // A workload's Pod counts as a resource of its own, so more resources than objects is normal.
    expect(scanProblems("kubernetes", { summary: { ...summary, passed: 9, resource_count: 17 } }, 13)).toEqual([]);
  });
});

describe("the manifests checkov reads", () => {
  const argo = 'kind: Workflow\nspec:\n  arguments: { parameters: [{ name: run, value: "{{workflow.name}}-data" }] }\n';

  test("are the text Helm renders from our escaped templates, which are valid YAML again", () => {
    const template = escapeHelmTemplates(argo);
    expect(template).toContain('value: "{{ "{{" }}workflow.name{{ "}}" }}-data"');
    expect(helmRenderedText(template)).toBe(argo);
    expect(manifestObjectCount(helmRenderedText(template))).toBe(1);
  });

  test("count every object of a multi-document file, not empty documents", () => {
    expect(manifestObjectCount("---\nkind: Job\n---\n# nothing\n---\nkind: Pod\n---\n")).toBe(2);
  });
});
