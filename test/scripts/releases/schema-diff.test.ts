import { profileJsonSchema } from "../../../profiles/json-schema";
import {
  diffSchemas,
  missingMigrations,
  missingMigrationsMessage,
  schemaFacts,
} from "../../../scripts/releases/schema-diff";

const str = { type: "string" };
const obj = <P extends Record<string, unknown>>(properties: P, required: string[] = []) => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const record = (value: unknown) => ({ type: "object", propertyNames: str, additionalProperties: value });

/** A profile schema in the shape zod emits: teams by name with quotas by pool, a cluster union, an array. */
const before = obj(
  {
    name: str,
    teams: record(
      obj({ namespace: str, quota: record(obj({ gpu: { type: "integer" }, cpu: str }, ["cpu"])) }, ["quota"]),
    ),
    cluster: {
      oneOf: [
        obj({ provider: { type: "string", const: "kind" }, name: str }, ["provider", "name"]),
        obj({ provider: { type: "string", const: "eks" }, name: str, region: str }, ["provider", "name", "region"]),
      ],
    },
    priority: { type: "string", enum: ["batch", "interactive"] },
    registries: { type: "array", items: str },
    extra: { type: "object" },
  },
  ["name", "teams", "cluster"],
);

describe("the profile schema diff", () => {
  test("the same schema has no change", () => {
    expect(diffSchemas(before, before)).toEqual([]);
  });

  test("a new optional key, a new union branch and a new enum value are additive", () => {
    const after = structuredClone(before) as typeof before;
    (after.properties.teams.additionalProperties as ReturnType<typeof obj>).properties.weight = { type: "integer" };
    (after.properties.cluster.oneOf as unknown[]).push(
      obj({ provider: { type: "string", const: "gke" }, name: str, project: str }, ["provider", "name", "project"]),
    );
    after.properties.priority.enum.push("preemptible");
    expect(diffSchemas(before, after)).toEqual([
      { path: "cluster.project", change: "added", breaking: false, detail: "new, optional" },
      { path: "cluster.provider", change: "added", breaking: false, detail: 'values added: "gke"' },
      { path: "priority", change: "added", breaking: false, detail: 'values added: "preemptible"' },
      { path: "teams.*.weight", change: "added", breaking: false, detail: "new, optional" },
    ]);
  });

  test("a key removed, newly required, a type changed, values removed and unknown keys refused are breaking", () => {
    const after = structuredClone(before) as typeof before;
    const team = after.properties.teams.additionalProperties as ReturnType<typeof obj>;
    const pool = (team.properties.quota as ReturnType<typeof record>).additionalProperties as ReturnType<typeof obj>;
    pool.properties.gpu = { type: "string" };
    team.required.push("namespace");
    delete (after.properties as Record<string, unknown>).registries;
    after.properties.priority.enum = ["batch"];
    after.properties.extra = obj({});
    after.properties.name = { type: "string", enum: ["laptop"] } as typeof str;
    expect(diffSchemas(before, after)).toEqual([
      { path: "extra", change: "removed", breaking: true, detail: "unknown keys no longer accepted" },
      { path: "name", change: "values", breaking: true, detail: 'now limited to "laptop"' },
      { path: "priority", change: "values", breaking: true, detail: 'values removed: "interactive"' },
      { path: "registries", change: "removed", breaking: true, detail: "no longer accepted" },
      { path: "teams.*.namespace", change: "required", breaking: true, detail: "now required" },
      { path: "teams.*.quota.*.gpu", change: "type", breaking: true, detail: "type integer became string" },
    ]);
  });

  test("a key added as required is breaking, a removed object is one change, not one per key", () => {
    const after = structuredClone(before) as typeof before;
    (after.properties as Record<string, unknown>).owner = str;
    after.required.push("owner");
    delete (after.properties as Record<string, unknown>).teams;
    after.required = after.required.filter((k) => k !== "teams");
    expect(diffSchemas(before, after)).toEqual([
      { path: "owner", change: "required", breaking: true, detail: "new and required" },
      { path: "teams", change: "removed", breaking: true, detail: "no longer accepted" },
    ]);
  });

  test("a breaking change needs a migration of the release being cut whose path matches", () => {
    const changes = [
      { path: "teams.*.quota.*.gpu", change: "type" as const, breaking: true, detail: "type integer became string" },
      { path: "teams.*.weight", change: "added" as const, breaking: false, detail: "new, optional" },
    ];
    const migration = { path: "teams.*.quota.*.gpu", change: "type" as const, migration: "Write gpu as a string." };
    expect(missingMigrations(changes, "0.3.0", [{ ...migration, release: "0.3.0" }])).toEqual([]);
    expect(missingMigrations(changes, "0.3.0", [{ ...migration, release: "0.2.0" }])).toEqual([changes[0]]);
    expect(missingMigrationsMessage([changes[0]], "0.3.0")).toBe(
      [
        "The profile schema has 1 breaking change(s) without a migration for 0.3.0:",
        "  - teams.*.quota.*.gpu (type): type integer became string",
        'Add an entry for each to MIGRATIONS in profiles/migrations.ts ({ release: "0.3.0", path, change, migration }) ' +
          "saying what a fork must change in its profiles and override files.",
      ].join("\n"),
    );
  });
});

describe("the schema diff over the real profile schema", () => {
  test("sees record keys as * and finds no change against itself", () => {
    const schema = profileJsonSchema();
    expect(schemaFacts(schema).has("teams.*.quota.*.gpu")).toBe(true);
    expect(diffSchemas(schema, schema)).toEqual([]);
  });
});
