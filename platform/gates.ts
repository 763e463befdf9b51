import { WebhookGateChart } from "../charts/webhook-gate";
import type { LocalRelease, WebhookGate } from "./component";
import { imageRef } from "./versions";

/** A webhook gate as the local chart that implements it (see charts/webhook-gate.ts); `mirror`: the profile's image mirror. */
export function gateChart(step: WebhookGate, mirror?: string): Pick<LocalRelease, "name" | "render"> {
  return {
    name: step.name,
    render: (app, id) =>
      new WebhookGateChart(app, id, {
        name: step.name,
        namespace: step.namespace,
        probe: step.probe,
        resource: step.resource,
        image: imageRef("kubectl", mirror),
        timeoutSeconds: step.timeoutSeconds,
      }),
  };
}
