import { migrationsFor, pathMatches } from "../../profiles/migrations";
import type { ProfileMigration } from "../../profiles/migrations";

const renamed: ProfileMigration = {
  release: "0.3.0",
  path: "teams.*.quota",
  change: "renamed",
  migration: "move it to teams.<team>.quotas",
};

describe("profile migrations", () => {
  test("a * in a migration's path matches any one name", () => {
    expect(pathMatches("teams.*.quota", "teams.research.quota")).toBe(true);
    expect(pathMatches("teams.*.quota", "teams.research.weight")).toBe(false);
    expect(pathMatches("teams.*.quota", "teams.quota")).toBe(false);
  });

  test("a problem at the key or below it finds the key's migration", () => {
    expect(migrationsFor("teams.vision.quota", [renamed])).toEqual([renamed]);
    expect(migrationsFor("teams.vision.quota.workers.cpu", [renamed])).toEqual([renamed]);
    expect(migrationsFor("teams.vision", [renamed])).toEqual([]);
    expect(migrationsFor("pools.workers.quota", [renamed])).toEqual([]);
  });
});
