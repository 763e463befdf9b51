import { schemaProblems } from "../../verify/schema";
import { crdFor } from "../support/reference";

const localQueueSchema = () => crdFor("kueue.x-k8s.io/v1beta2", "LocalQueue")?.schema ?? {};

describe("schemaProblems", () => {
  test("a valid custom resource has no problems", () => {
    const localQueue = {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "LocalQueue",
      metadata: { name: "q" },
      spec: { clusterQueue: "cq" },
    };
    expect(schemaProblems(localQueue, localQueueSchema())).toEqual([]);
  });

  test("a missing required field, a wrong type and an unknown field are each reported with their path", () => {
    const schema = {
      type: "object",
      required: ["spec"],
      properties: {
        spec: {
          type: "object",
          required: ["name"],
          properties: { name: { type: "string" }, size: { type: "integer" } },
        },
      },
    };
    expect(schemaProblems({ spec: { size: "big", colour: "red" } }, schema)).toEqual([
      'spec: missing required field "name"',
      'spec.size: expected an integer, got "big"',
      "spec.colour: unknown field (allowed: name, size)",
    ]);
  });

  test("enums, patterns and bounds are enforced", () => {
    const schema = {
      type: "object",
      properties: {
        mode: { type: "string", enum: ["a", "b"] },
        name: { type: "string", pattern: "^[a-z]+$" },
        count: { type: "integer", minimum: 1, maximum: 3 },
        items: { type: "array", maxItems: 1, items: { type: "string" } },
      },
    };
    expect(schemaProblems({ mode: "c", name: "X", count: 4, items: ["a", "b"] }, schema)).toEqual([
      'mode: "c" is not one of ["a","b"]',
      'name: "X" does not match ^[a-z]+$',
      "count: above the maximum 3",
      "items: more than 1 items",
    ]);
  });

  test("int-or-string, preserved unknown fields and additionalProperties are honoured", () => {
    const schema = {
      type: "object",
      properties: {
        quota: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
    };
    expect(schemaProblems({ quota: "4Gi", free: { anything: 1 }, labels: { a: "b", c: 1 } }, schema)).toEqual([
      "labels.c: expected a string, got 1",
    ]);
  });

  test("a ClusterQueue resource group without coveredResources fails the pinned CRD", () => {
    const clusterQueue = {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ClusterQueue",
      metadata: { name: "cq" },
      spec: { resourceGroups: [{ flavors: [{ name: "default", resources: [{ name: "cpu", nominalQuota: 1 }] }] }] },
    };
    const schema = crdFor("kueue.x-k8s.io/v1beta2", "ClusterQueue")?.schema ?? {};
    expect(schemaProblems(clusterQueue, schema)).toEqual([
      'spec.resourceGroups[0]: missing required field "coveredResources"',
    ]);
  });
});
