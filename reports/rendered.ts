/** The shape of a Helm render (verify/helm-render.ts produces it), which the footprint and posture reports read. */
import type { Profile } from "../profiles/schema";

/** A rendered Kubernetes object: plain JSON, read by the footprint and posture reports. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are plain JSON of many kinds
  readonly spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly [field: string]: any;
}

export interface RenderedRelease {
  readonly name: string;
  readonly namespace: string;
  /** `<chart> <version>` for upstream charts, `local` for our own charts. */
  readonly chart: string;
  readonly yaml: string;
  readonly objects: readonly K8sObject[];
}

export interface RenderedStack {
  /** The stack's name, e.g. `laptop-platform`. */
  readonly stack: string;
  /** The profile the stack was built from (a MultiKueue worker's derived profile for a worker's stack). */
  readonly profile: Profile;
  readonly kubeVersion: string;
  readonly releases: readonly RenderedRelease[];
}
