import { loadCheckedProfile } from "../../../platform/check";
import { localNodes } from "../../../scripts/local/nodes";
import { draDevices, DRA_DRIVER, resourceSliceObjects } from "../../../scripts/local/resource-slices";
import { findKubernetesValidate, validateCoreObjects } from "../../../verify/upstream";
import { rendered } from "../../support/rendered";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain JSON objects, read freely
type Json = any;

const UUID = (prefix: string) => new RegExp(`^${prefix}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
const UIDS = { "cnai-dra-worker": "uid-full", "cnai-dra-worker2": "uid-mig" };

function slices(name: string, uids: Record<string, string> = UIDS): Json[] {
  const profile = loadCheckedProfile(name);
  return resourceSliceObjects(profile, localNodes(profile), uids);
}

describe("the ResourceSlices NVIDIA's DRA driver would publish on the fake nodes", () => {
  test("cluster-gpu-dra: one slice per DRA node, owned by the node, in a pool named after it", () => {
    const [full, mig] = slices("cluster-gpu-dra");
    expect(slices("cluster-gpu-dra")).toHaveLength(2);
    expect({ ...full, spec: { ...full.spec, devices: undefined } }).toEqual({
      apiVersion: "resource.k8s.io/v1",
      kind: "ResourceSlice",
      metadata: {
        generateName: "cnai-dra-worker-gpu.nvidia.com-",
        ownerReferences: [
          { apiVersion: "v1", kind: "Node", name: "cnai-dra-worker", uid: "uid-full", controller: true },
        ],
      },
      spec: {
        driver: "gpu.nvidia.com",
        nodeName: "cnai-dra-worker",
        pool: { name: "cnai-dra-worker", generation: 1, resourceSliceCount: 1 },
        devices: undefined,
      },
    });
    expect(mig.metadata.generateName).toBe("cnai-dra-worker2-gpu.nvidia.com-");
    expect(mig.spec.nodeName).toBe("cnai-dra-worker2");
    expect(mig.spec.pool).toEqual({ name: "cnai-dra-worker2", generation: 1, resourceSliceCount: 1 });
  });

  test("pool full (sharing none): 4 whole GPUs gpu-0 … gpu-3 of type gpu, with the card's memory", () => {
    const devices = slices("cluster-gpu-dra")[0].spec.devices as Json[];
    expect(devices.map((d) => d.name)).toEqual(["gpu-0", "gpu-1", "gpu-2", "gpu-3"]);
    expect(devices[0]).toEqual({
      name: "gpu-0",
      attributes: {
        type: { string: "gpu" },
        uuid: { string: expect.stringMatching(UUID("GPU")) },
        productName: { string: "NVIDIA A100 80 GB" },
      },
      capacity: { memory: { value: "80Gi" } },
    });
    expect(new Set(devices.map((d) => d.attributes.uuid.string)).size).toBe(4);
  });

  test("pool mig (all-1g.10gb): 7 MIG devices per GPU × 4 GPUs, named as the driver names them", () => {
    const devices = slices("cluster-gpu-dra")[1].spec.devices as Json[];
    expect(devices).toHaveLength(28);
    expect(devices.map((d) => d.name)).toEqual(
      [0, 1, 2, 3].flatMap((gpu) => [0, 1, 2, 3, 4, 5, 6].map((start) => `gpu-${gpu}-mig-1g10gb-19-${start}`)),
    );
    expect(devices[8]).toEqual({
      name: "gpu-1-mig-1g10gb-19-1",
      attributes: {
        type: { string: "mig" },
        uuid: { string: expect.stringMatching(UUID("MIG")) },
        parentUUID: { string: expect.stringMatching(UUID("GPU")) },
        profile: { string: "1g.10gb" },
        productName: { string: "NVIDIA A100 80 GB" },
      },
      capacity: { memory: { value: "10Gi" }, memorySlice1: { value: "1" } },
    });
    // The 7 devices of one GPU share its UUID as parent; 4 GPUs, 4 parents, 28 distinct MIG UUIDs.
    expect(new Set(devices.slice(0, 7).map((d) => d.attributes.parentUUID.string)).size).toBe(1);
    expect(new Set(devices.map((d) => d.attributes.parentUUID.string)).size).toBe(4);
    expect(new Set(devices.map((d) => d.attributes.uuid.string)).size).toBe(28);
  });

  test("a MIG profile spanning memory slices is placed on them in turn: all-3g.40gb", () => {
    const pool = loadCheckedProfile("cluster-gpu-dra").pools.mig;
    const gpu = { ...pool.gpu!, sharing: { mode: "mig" as const, strategy: "single" as const, layout: "all-3g.40gb" } };
    const devices = draDevices("n", "mig", { ...pool, gpu });
    expect(devices.slice(0, 2)).toEqual([
      expect.objectContaining({
        name: "gpu-0-mig-3g40gb-9-0",
        capacity: {
          memory: { value: "40Gi" },
          memorySlice0: { value: "1" },
          memorySlice1: { value: "1" },
          memorySlice2: { value: "1" },
          memorySlice3: { value: "1" },
        },
      }),
      expect.objectContaining({
        name: "gpu-0-mig-3g40gb-9-4",
        capacity: {
          memory: { value: "40Gi" },
          memorySlice4: { value: "1" },
          memorySlice5: { value: "1" },
          memorySlice6: { value: "1" },
          memorySlice7: { value: "1" },
        },
      }),
    ]);
    expect(devices).toHaveLength(8);
  });

  test("without the nodes' UIDs the slices have no owner; the devices do not change", () => {
    const [owned] = slices("cluster-gpu-dra");
    const [bare] = slices("cluster-gpu-dra", {});
    expect(bare.metadata).toEqual({ generateName: "cnai-dra-worker-gpu.nvidia.com-" });
    expect(bare.spec).toEqual(owned.spec);
  });

  test("profiles without DRA pools publish nothing", () => {
    expect(slices("laptop")).toEqual([]);
    expect(slices("cluster-gpu")).toEqual([]);
  });

  test("a layout the accelerator does not have is refused with the pool's path", () => {
    const pool = loadCheckedProfile("cluster-gpu-dra").pools.mig;
    const gpu = { ...pool.gpu!, sharing: { mode: "mig" as const, strategy: "single" as const, layout: "all-9g.90gb" } };
    expect(() => draDevices("n", "mig", { ...pool, gpu })).toThrow(
      'pools.mig.gpu.sharing.layout: "all-9g.90gb" is not a MIG layout of nvidia-a100-80gb; use one of profiles/accelerators.ts',
    );
  });

  test("every device matches the DeviceClass its pool's claims name, as the chart renders it", () => {
    const classes = new Map<string, string>();
    for (const stack of rendered("cluster-gpu-dra")) {
      for (const release of stack.releases) {
        for (const object of release.objects.filter((o) => o.kind === "DeviceClass")) {
          classes.set(object.metadata.name, object.spec.selectors[0].cel.expression);
        }
      }
    }
    // The one selector shape the chart uses; evaluated here by hand, since no CEL runs in the test.
    const selector = (name: string) => {
      const match = /^device\.driver == '([^']+)' && device\.attributes\['([^']+)'\]\.type == '([^']+)'$/.exec(
        classes.get(name) ?? "",
      );
      expect(match).not.toBeNull();
      return { driver: match![1], domain: match![2], type: match![3] };
    };
    const [full, mig] = slices("cluster-gpu-dra");
    for (const [slice, deviceClass] of [
      [full, "gpu.nvidia.com"],
      [mig, "mig.nvidia.com"],
    ] as const) {
      const { driver, domain, type } = selector(deviceClass);
      expect(slice.spec.driver).toBe(driver);
      // An attribute without a domain is in the driver's own (resource.k8s.io/v1 DeviceAttribute names).
      expect(domain).toBe(DRA_DRIVER);
      expect(new Set((slice.spec.devices as Json[]).map((d) => d.attributes.type.string))).toEqual(new Set([type]));
    }
  });

  test("the slices validate strictly against the Kubernetes 1.35 schema; a misspelled attribute type does not", () => {
    const tool = findKubernetesValidate();
    expect(tool).toMatch(/kubernetes-validate$/);
    // kubernetes-validate names objects by metadata.name: give each the name the API server would generate.
    const named = slices("cluster-gpu-dra").map((s: Json) => ({
      source: "resource-slices",
      object: { ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName}x7k2q` } },
    }));
    expect(validateCoreObjects(named, tool as string)).toEqual([]);
    const broken = structuredClone(named[0]);
    broken.object.spec.devices[0].attributes.type = { str: "gpu" };
    expect(validateCoreObjects([broken], tool as string)).toEqual([
      expect.stringMatching(
        /^core object ResourceSlice\/cnai-dra-worker-gpu\.nvidia\.com-x7k2q in resource-slices: .*'str' was unexpected/,
      ),
    ]);
  });
});
