import { workflowCrd, workflowResourceObjects } from "../../verify/argo-workflows";
import type { CrdVersionSchema } from "../../verify/reference";

const TEMPLATE: CrdVersionSchema = {
  group: "argoproj.io",
  version: "v1alpha1",
  kind: "WorkflowTemplate",
  schema: { type: "object" },
  file: "crds/argo-workflows-1.0.18/argoproj.io_workflowtemplates.yaml",
};
const find = (apiVersion: string, kind: string) =>
  apiVersion === "argoproj.io/v1alpha1" && kind === "WorkflowTemplate" ? TEMPLATE : undefined;

const WORKFLOW = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Workflow",
  metadata: { name: "pipeline" },
  spec: {
    templates: [
      { name: "pipeline", dag: { tasks: [] } },
      {
        name: "train",
        resource: { action: "create", manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n" },
      },
      { name: "evaluate", container: { image: "python:3.13" } },
    ],
  },
};

describe("Argo Workflow conformance", () => {
  test("a Workflow is checked against the WorkflowTemplate's full schema of the same version", () => {
    expect(workflowCrd(find, "argoproj.io/v1alpha1", "Workflow")).toEqual({ ...TEMPLATE, kind: "Workflow" });
  });

  test("other kinds, and a version without a WorkflowTemplate, get no stand-in schema", () => {
    expect(workflowCrd(find, "argoproj.io/v1alpha1", "CronWorkflow")).toBeUndefined();
    expect(workflowCrd(find, "argoproj.io/v1alpha2", "Workflow")).toBeUndefined();
    expect(workflowCrd(find, "example.com/v1alpha1", "Workflow")).toBeUndefined();
  });

  test("the objects of a Workflow's resource steps are checked as rendered objects, named by step", () => {
    expect(workflowResourceObjects({ source: "samples", object: WORKFLOW })).toEqual([
      {
        source: "samples (step train of Workflow pipeline)",
        object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
      },
    ]);
    expect(workflowResourceObjects({ source: "samples", object: { apiVersion: "v1", kind: "ConfigMap" } })).toEqual([]);
  });
});
