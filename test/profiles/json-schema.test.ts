import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PROFILE_JSON_SCHEMA_PATH, profileJsonSchema, profileJsonSchemaText } from "../../profiles/json-schema";

describe("the profile JSON Schema", () => {
  test("the committed profiles/profile.schema.json is the one the code generates (run npm run schema)", () => {
    expect(readFileSync(resolve(__dirname, "../..", PROFILE_JSON_SCHEMA_PATH), "utf8")).toEqual(
      profileJsonSchemaText(),
    );
  });

  test("keys with a default are optional, as a user writes a profile, and unknown keys are refused", () => {
    const schema = profileJsonSchema() as {
      additionalProperties: boolean;
      properties: { teams: { additionalProperties: { required: string[] } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.teams.additionalProperties.required).toEqual(["quota"]);
  });
});
