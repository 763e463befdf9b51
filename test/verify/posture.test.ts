import { podKinds } from "../../reports/pods";
import { covers, imagePinned, POSTURE_EXCEPTIONS, postureFindings, renderedImages } from "../../verify/posture";
import { rendered } from "../support/rendered";

/** The shipped profiles whose platform stacks are checked: kind, the clouds, and MultiKueue's workers. */
const PROFILES = [
  "laptop",
  "laptop-gpu",
  "workstation-gpu",
  "cluster-gpu",
  "cluster-gpu-dra",
  "eks-gpu",
  "gke-gpu",
  "aks-gpu",
  "multicloud-gpu",
];

const findingsOf = (name: string) => rendered(name).flatMap((stack) => postureFindings(podKinds(stack)));

describe("the rendered platform's posture", () => {
  test("an image is pinned by a tag other than latest, or by a digest", () => {
    expect(
      ["a/b:1.0", "registry:5000/a/b:v2", "a/b", "a/b:latest", "registry:5000/a/b", `a/b@sha256:${"0".repeat(64)}`].map(
        imagePinned,
      ),
    ).toEqual([true, true, false, false, false, true]);
  });

  test.each(PROFILES)("every finding on %s is an accepted exception", (name) => {
    const unexplained = findingsOf(name).filter((f) => !POSTURE_EXCEPTIONS.some((e) => covers(e, f)));
    expect(unexplained).toEqual([]);
  });

  test("every accepted exception still matches a finding on some profile, and says why and where", () => {
    const all = PROFILES.flatMap(findingsOf);
    for (const exception of POSTURE_EXCEPTIONS) {
      expect([exception.workload, all.some((f) => covers(exception, f))]).toEqual([exception.workload, true]);
      expect(exception.reason.length).toBeGreaterThan(20);
      expect(exception.source).toMatch(/@/);
    }
  });

  test.each(PROFILES)("no image anywhere in the rendered %s is unpinned", (name) => {
    const images = rendered(name).flatMap((stack) => [
      ...renderedImages(stack.releases.flatMap((r) => r.objects)),
      ...podKinds(stack).flatMap((k) => [...(k.spec.initContainers ?? []), ...k.spec.containers].map((c) => c.image)),
    ]);
    expect(images.filter((image) => image === undefined || !imagePinned(image))).toEqual([]);
  });

  test("a container without resources or with a latest image is found", () => {
    const kind = podKinds(rendered("laptop")[0]).find((k) => k.workload === "Deployment/mlflow");
    const broken = {
      ...kind!,
      spec: {
        ...kind!.spec,
        containers: [{ ...kind!.spec.containers[0], image: "ghcr.io/mlflow/mlflow:latest", resources: {} }],
      },
    };
    expect(postureFindings([broken]).map((f) => [f.container, f.check])).toEqual([
      ["mlflow", "requests"],
      ["mlflow", "limits"],
      ["mlflow", "image-pinned"],
    ]);
  });
});
