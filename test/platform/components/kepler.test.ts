import { loadProfile } from "../../../profiles/load";
import type { Step, UpstreamRelease } from "../../../platform/component";
import { contextFor } from "../../../platform/graph";
import { kepler, RAPL_ZONES } from "../../../platform/components/kepler";
import { ProfileError } from "../../../profiles/problems";
import { loadCheckedProfile } from "../../../platform/check";
import { unknownValuePaths } from "../../support/reference";

function release(profileName = "laptop-gpu", override?: unknown): UpstreamRelease {
  const steps: readonly Step[] = kepler.steps(contextFor(loadProfile(profileName, override)));
  expect(steps).toHaveLength(1);
  return steps[0] as UpstreamRelease;
}

const INTENSITY = { gramsPerKWh: 250, source: "example grid operator, https://example.org/2025", date: "2025-01-01" };

describe("kepler component", () => {
  test("is disabled unless a profile opts in: only the kind-on-Linux GPU profiles do", () => {
    expect(kepler.defaultLifecycle).toBe("disabled");
    const lifecycles = Object.fromEntries(
      ["laptop", "laptop-gpu", "workstation-gpu", "cluster-gpu", "eks-gpu", "gke-gpu", "aks-gpu", "multicloud-gpu"].map(
        (name) => [name, contextFor(loadProfile(name)).lifecycle("kepler")],
      ),
    );
    expect(lifecycles).toEqual({
      laptop: "disabled",
      "laptop-gpu": "managed",
      "workstation-gpu": "managed",
      "cluster-gpu": "managed",
      "eks-gpu": "disabled",
      "gke-gpu": "disabled",
      "aks-gpu": "disabled",
      "multicloud-gpu": "disabled",
    });
  });

  test("depends on observability only, optionally, and runs on every cluster", () => {
    expect(kepler.dependencies(loadProfile("laptop-gpu"))).toEqual([
      { id: "observability", optional: true, reason: "ServiceMonitor for Kepler's metrics" },
    ]);
    expect(kepler.placement).toBe("every-cluster");
  });

  test("creates its namespace with the privileged Pod Security level", () => {
    expect(kepler.namespaces(contextFor(loadProfile("laptop-gpu")))).toEqual([
      { name: "kepler", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
    ]);
  });

  test("installs the pinned chart and image with resources, every node tolerated, package and DRAM zones, GPU power and a ServiceMonitor", () => {
    const upstream = release();
    expect([upstream.kind, upstream.name, upstream.namespace, upstream.chart, upstream.primary]).toEqual([
      "upstream",
      "kepler",
      "kepler",
      "kepler",
      true,
    ]);
    expect(upstream.onFailedInstall).toBe("uninstall");
    expect(upstream.values).toEqual({
      image: { repository: "quay.io/sustainable_computing_io/kepler", tag: "v0.11.4" },
      daemonset: {
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        tolerations: [{ operator: "Exists" }],
      },
      config: {
        log: { level: "info" },
        rapl: { zones: ["package", "dram"] },
        experimental: { gpu: { enabled: true } },
      },
      serviceMonitor: { enabled: true, interval: "30s" },
    });
    expect(RAPL_ZONES).toEqual(["package", "dram"]);
  });

  test("GPU power is off without GPU pools, and the ServiceMonitor without observability", () => {
    const upstream = release("laptop", {
      components: { kepler: { lifecycle: "managed" }, observability: { lifecycle: "disabled" } },
    });
    expect(upstream.values.config).toMatchObject({ experimental: { gpu: { enabled: false } } });
    expect(upstream.values.serviceMonitor).toEqual({ enabled: false, interval: "30s" });
  });

  test("pulls its image through the profile's image mirror", () => {
    expect(release("laptop-gpu", { mirror: { images: "registry.example.com/mirror" } }).values.image).toEqual({
      repository: "registry.example.com/mirror/quay.io/sustainable_computing_io/kepler",
      tag: "v0.11.4",
    });
  });

  test("every values key exists in the pinned chart", () => {
    expect(unknownValuePaths("kepler", release().values)).toEqual([]);
    expect(unknownValuePaths("kepler", { config: { experimental: { gpu: { enable: true } } } })).toEqual([
      "config.experimental.gpu.enable",
    ]);
  });

  test("a carbon intensity without Kepler is a profile error that names the field, the value and the fix", () => {
    expect(() => loadCheckedProfile("eks-gpu", { energy: { carbonIntensity: INTENSITY } })).toThrow(ProfileError);
    expect(() => loadCheckedProfile("eks-gpu", { energy: { carbonIntensity: INTENSITY } })).toThrow(
      /energy\.carbonIntensity: got \{"gramsPerKWh":250,.*; it converts the energy Kepler measures, and components\.kepler\.lifecycle is "disabled": set it to "managed" \(bare metal or kind on Linux, where RAPL exists\) or "external", or remove energy\.carbonIntensity/,
    );
    expect(loadCheckedProfile("laptop-gpu", { energy: { carbonIntensity: INTENSITY } }).energy).toEqual({
      carbonIntensity: INTENSITY,
    });
    expect(
      loadCheckedProfile("eks-gpu", {
        energy: { carbonIntensity: INTENSITY },
        components: { kepler: { lifecycle: "external" } },
      }).energy.carbonIntensity,
    ).toEqual(INTENSITY);
  });
});
