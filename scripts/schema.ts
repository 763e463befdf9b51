/** Regenerates profiles/profile.schema.json from profiles/schema.ts (tested against the code in test/profiles/json-schema.test.ts). */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { PROFILE_JSON_SCHEMA_PATH, profileJsonSchemaText } from "../profiles/json-schema";

writeFileSync(resolve(__dirname, "..", PROFILE_JSON_SCHEMA_PATH), profileJsonSchemaText());
console.log(`${PROFILE_JSON_SCHEMA_PATH} regenerated`);
