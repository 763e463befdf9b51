/** Small helpers the component definitions share. */
import type { ComponentContext } from "../component";

export { resources } from "../../charts/resources";
export type { Resources } from "../../charts/resources";

/** ServiceMonitors are only created when the observability stack (which brings their CRD) is available. */
export function monitoringEnabled(ctx: ComponentContext): boolean {
  return ctx.isAvailable("observability");
}

/** The container security context Pod Security `restricted` asks for, set where a chart leaves it empty. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  runAsNonRoot: true,
} as const;
