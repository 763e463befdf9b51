/** Small helpers the component definitions share. */
import type { ComponentContext } from "../component";

export { resources } from "../../charts/resources";
export type { Resources } from "../../charts/resources";

/** ServiceMonitors are only created when the observability stack (which brings their CRD) is available. */
export function monitoringEnabled(ctx: ComponentContext): boolean {
  return ctx.isAvailable("observability");
}
