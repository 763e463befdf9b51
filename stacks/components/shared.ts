/** Small helpers the component definitions share. */
import type { ComponentContext } from "../component";

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** Container resources in the shape every chart and pod spec uses. */
export function resources(requestCpu: string, requestMemory: string, limitCpu: string, limitMemory: string): Resources {
  return { requests: { cpu: requestCpu, memory: requestMemory }, limits: { cpu: limitCpu, memory: limitMemory } };
}

/** ServiceMonitors are only created when the observability stack (which brings their CRD) is available. */
export function monitoringEnabled(ctx: ComponentContext): boolean {
  return ctx.isAvailable("observability");
}
