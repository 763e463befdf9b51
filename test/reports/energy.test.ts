import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadProfile } from "../../profiles/load";
import { byText } from "../../profiles/order";
import { FakePrometheus, vector } from "../support/fake-prometheus";
import {
  checkPeriod,
  energyQueries,
  formatEnergyReport,
  gramsCO2eOf,
  JOULES_PER_KWH,
  kWhOf,
  measureTeamEnergy,
  parseEnergyOptions,
  periodSeconds,
  queryJoules,
  teamEnergy,
} from "../../reports/energy";

const INTENSITY = { gramsPerKWh: 250, source: "grid operator, https://example.org/2025", date: "2025-01-01" };
const AT = new Date("2026-11-30T12:00:00Z");

describe("energy queries", () => {
  test("sum Kepler's pod counters by pod_namespace over the period, CPU over the package and DRAM zones only", () => {
    expect(energyQueries(["team-serving", "team-research"], "7d")).toEqual({
      cpu: 'sum by (pod_namespace) (increase(kepler_pod_cpu_joules_total{pod_namespace=~"team-research|team-serving",zone=~"package|dram"}[7d]))',
      gpu: 'sum by (pod_namespace) (increase(kepler_pod_gpu_joules_total{pod_namespace=~"team-research|team-serving"}[7d]))',
    });
  });

  test("a period is one Prometheus duration unit; anything else names the flag, the value and the form", () => {
    expect(["30m", "24h", "7d", "2w"].map(checkPeriod)).toEqual(["30m", "24h", "7d", "2w"]);
    expect(["30m", "24h", "7d", "2w"].map(periodSeconds)).toEqual([1800, 86_400, 604_800, 1_209_600]);
    for (const bad of ["7", "1d12h", "0d", "-1d", "7days", "1y"]) {
      expect(() => checkPeriod(bad)).toThrow(
        new RegExp(`^--period is "${bad}": give a Prometheus duration of one unit, a whole number then m, h, d or w`),
      );
    }
    expect(() => energyQueries([], "1d")).toThrow(/^energy queries need at least one namespace$/);
  });

  test("converts joules to kWh and kWh to gCO2e with the profile's intensity", () => {
    expect(JOULES_PER_KWH).toBe(3_600_000);
    expect(kWhOf(7_200_000)).toBe(2);
    expect(gramsCO2eOf(2, INTENSITY)).toBe(500);
  });
});

describe("energy per team", () => {
  test("adds CPU and GPU per team; a namespace without series has no data, never zero", () => {
    const profile = loadProfile("cluster-gpu", { energy: { carbonIntensity: INTENSITY } });
    const cpu = new Map([
      ["team-research", 3_600_000],
      ["team-serving", 1_800_000],
    ]);
    const gpu = new Map([["team-research", 7_200_000]]);
    expect(teamEnergy(profile, cpu, gpu)).toEqual([
      { team: "research", namespace: "team-research", cpuKWh: 1, gpuKWh: 2, kWh: 3, gramsCO2e: 750 },
      { team: "serving", namespace: "team-serving", cpuKWh: 0.5, gpuKWh: 0, kWh: 0.5, gramsCO2e: 125 },
      { team: "training", namespace: "team-training" },
    ]);
    expect(teamEnergy(loadProfile("cluster-gpu"), cpu, gpu)[0]).toEqual({
      team: "research",
      namespace: "team-research",
      cpuKWh: 1,
      gpuKWh: 2,
      kWh: 3,
    });
  });

  test("without a Prometheus, the report states its queries and intensity and no number", () => {
    const report = formatEnergyReport(loadProfile("workstation-gpu", { energy: { carbonIntensity: INTENSITY } }), "1d");
    expect(report.split("\n")).toEqual([
      "Energy per team on workstation-gpu: not measured here (run with --prometheus <url> against the cluster's Prometheus); over the last 1d it would run:",
      '  CPU: sum by (pod_namespace) (increase(kepler_pod_cpu_joules_total{pod_namespace=~"team-applied|team-research",zone=~"package|dram"}[1d]))',
      '  GPU: sum by (pod_namespace) (increase(kepler_pod_gpu_joules_total{pod_namespace=~"team-applied|team-research"}[1d]))',
      "and convert kWh = joules / 3600000; Prometheus here keeps 2d.",
      "Carbon intensity: 250 gCO2e/kWh (grid operator, https://example.org/2025, 2025-01-01); gCO2e = kWh × 250.",
      "",
      "| team | namespace | CPU kWh | GPU kWh | energy (kWh) | carbon (gCO2e) |",
      "|---|---|---|---|---|---|",
      "| applied | team-applied | - | - | - | - |",
      "| research | team-research | - | - | - | - |",
    ]);
  });
});

describe("measuring against a running Prometheus (a fake one on the loopback)", () => {
  let fake: FakePrometheus;
  let url: string;

  beforeEach(async () => {
    fake = new FakePrometheus((query) =>
      query.includes("kepler_pod_cpu_joules_total")
        ? vector({ "team-research": 1_800_000, "team-applied": 360_000 })
        : vector({ "team-research": 5_400_000 }),
    );
    url = await fake.start();
  });

  afterEach(() => fake.stop());

  test("runs both queries at the given time and prints kWh and gCO2e per team", async () => {
    const profile = loadProfile("workstation-gpu", { energy: { carbonIntensity: INTENSITY } });
    const teams = await measureTeamEnergy(profile, url, "7d", AT);
    const queries = energyQueries(["team-applied", "team-research"], "7d");
    expect(fake.queries.sort((a, b) => byText(String(a.query), String(b.query)))).toEqual([
      { query: queries.cpu, time: "1796040000" },
      { query: queries.gpu, time: "1796040000" },
    ]);
    expect(formatEnergyReport(profile, "7d", { prometheus: url, teams }).split("\n")).toEqual([
      `Energy per team on workstation-gpu over the last 7d, measured by Kepler (CPU package and DRAM from RAPL, GPU from NVML) through ${url}; Prometheus here keeps 2d: a longer period sees only that.`,
      "Carbon intensity: 250 gCO2e/kWh (grid operator, https://example.org/2025, 2025-01-01); gCO2e = kWh × 250.",
      "",
      "| team | namespace | CPU kWh | GPU kWh | energy (kWh) | carbon (gCO2e) |",
      "|---|---|---|---|---|---|",
      "| applied | team-applied | 0.1000 | 0.0000 | 0.1000 | 25.0 |",
      "| research | team-research | 0.5000 | 1.5000 | 2.0000 | 500.0 |",
    ]);
  });

  test("without an intensity the carbon column says so", async () => {
    const profile = loadProfile("workstation-gpu");
    const teams = await measureTeamEnergy(profile, `${url}/`, "1d", AT);
    const lines = formatEnergyReport(profile, "1d", { prometheus: url, teams }).split("\n");
    expect(lines[0]).toMatch(/; Prometheus here keeps 2d\.$/);
    expect(lines.slice(1)).toEqual([
      "Carbon intensity: not set (energy.carbonIntensity), so energy only: no carbon figure without a sourced, dated intensity.",
      "",
      "| team | namespace | CPU kWh | GPU kWh | energy (kWh) | carbon (gCO2e) |",
      "|---|---|---|---|---|---|",
      "| applied | team-applied | 0.1000 | 0.0000 | 0.1000 | no intensity |",
      "| research | team-research | 0.5000 | 1.5000 | 2.0000 | no intensity |",
    ]);
  });
});

describe("Prometheus failures", () => {
  test("a refused query names the Prometheus, its error and the query", async () => {
    const fake = new FakePrometheus(() => ({
      status: 400,
      body: { status: "error", errorType: "bad_data", error: "parse error" },
    }));
    const url = await fake.start();
    try {
      await expect(queryJoules(url, "up{", AT)).rejects.toThrow(
        `Prometheus at ${url} refused the query (HTTP 400: parse error): up{`,
      );
    } finally {
      await fake.stop();
    }
  });

  test("an answer that is not JSON says it may not be a Prometheus", async () => {
    const server = createServer((_req, res) => res.writeHead(200).end("<html>"));
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await expect(queryJoules(url, "up", AT)).rejects.toThrow(
        `Prometheus at ${url} answered HTTP 200 with no JSON: is it a Prometheus?`,
      );
    } finally {
      await new Promise<void>((done) => server.close(() => done()));
    }
  });

  test("an unreachable Prometheus says how to port-forward it", async () => {
    const fake = new FakePrometheus(() => vector({}));
    const url = await fake.start();
    await fake.stop();
    await expect(queryJoules(url, "up", AT)).rejects.toThrow(
      new RegExp(
        `^cannot reach Prometheus at ${url.replace(/\./g, "\\.")} \\(ECONNREFUSED\\): port-forward it first, e\\.g\\. kubectl -n monitoring port-forward svc/kube-prometheus-stack-prometheus 9090`,
      ),
    );
  });
});

describe("npm run cost arguments", () => {
  test("default to no Prometheus and one day", () => {
    expect(parseEnergyOptions([])).toEqual({ prometheus: undefined, period: "1d" });
    expect(parseEnergyOptions(["--prometheus", "http://localhost:9090", "--period", "12h"])).toEqual({
      prometheus: "http://localhost:9090",
      period: "12h",
    });
  });

  test("refuse what they do not know, with the usage", () => {
    expect(() => parseEnergyOptions(["--promethus", "x"])).toThrow(
      'unknown argument "--promethus": npm run cost -- [--prometheus <url>] [--period <duration, e.g. 7d>]',
    );
    expect(() => parseEnergyOptions(["--prometheus"])).toThrow("--prometheus needs a value");
    expect(() => parseEnergyOptions(["--prometheus", "localhost:9090"])).toThrow(
      '--prometheus is "localhost:9090": give the Prometheus base URL, e.g. http://localhost:9090',
    );
    expect(() => parseEnergyOptions(["--period", "forever"])).toThrow(/^--period is "forever"/);
  });
});
