import { isDnsLabel, isDnsSubdomain } from "../../profiles/names";

describe("Kubernetes name rules", () => {
  test("a DNS label is 1 to 63 lowercase letters, digits and inner dashes", () => {
    expect(isDnsLabel("team-a")).toBe(true);
    expect(isDnsLabel("a".repeat(63))).toBe(true);
    expect(isDnsLabel("a".repeat(64))).toBe(false);
    expect(isDnsLabel("")).toBe(false);
    expect(isDnsLabel("Team-A")).toBe(false);
    expect(isDnsLabel("-team")).toBe(false);
    expect(isDnsLabel("team.a")).toBe(false);
  });

  test("a DNS subdomain allows dot-separated labels up to 253 characters", () => {
    expect(isDnsSubdomain("gpu-east.example")).toBe(true);
    expect(isDnsSubdomain(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`)).toBe(true);
    expect(isDnsSubdomain(`${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`)).toBe(false);
    expect(isDnsSubdomain("gpu-east.")).toBe(false);
    expect(isDnsSubdomain("east/kubeconfig")).toBe(false);
  });
});
