/**
 * Upstream conformance of the Argo Workflows we render. The platform installs Argo's minimal CRDs (`crds.full: false`,
 * no schema: the API server accepts any field), so a misspelled Workflow field would be pruned by nobody and ignored
 * by the controller. The reference keeps the full WorkflowTemplate CRD; the full Workflow's `spec` schema is the same
 * (../shared/reference/facts-wave3.md §4a, checked by comparing the files), so a Workflow is checked against it.
 * The objects a Workflow's resource steps create are checked too, against their own CRDs, like any rendered object.
 */
import { parse } from "yaml";
import type { RenderedObject } from "./upstream";
import type { CrdVersionSchema } from "./reference";

const ARGO_GROUP = "argoproj.io";

/** A Workflow's schema: the WorkflowTemplate's of the same version, which describes the same spec. */
export function workflowCrd(
  find: (apiVersion: string, kind: string) => CrdVersionSchema | undefined,
  apiVersion: string,
  kind: string,
): CrdVersionSchema | undefined {
  if (kind !== "Workflow" || !apiVersion.startsWith(`${ARGO_GROUP}/`)) return undefined;
  const template = find(apiVersion, "WorkflowTemplate");
  return template && { ...template, kind: "Workflow" };
}

/** The manifests a Workflow's resource templates create, as rendered objects named after the step. */
export function workflowResourceObjects(rendered: RenderedObject): RenderedObject[] {
  const { apiVersion, kind } = rendered.object;
  if (kind !== "Workflow" || !apiVersion.startsWith(`${ARGO_GROUP}/`)) return [];
  const spec = (rendered.object as { spec?: { templates?: Array<Record<string, unknown>> } }).spec;
  return (spec?.templates ?? []).flatMap((template) => {
    const manifest = (template.resource as { manifest?: unknown } | undefined)?.manifest;
    if (typeof manifest !== "string") return [];
    return [
      {
        source: `${rendered.source} (step ${String(template.name)} of Workflow ${rendered.object.metadata?.name})`,
        object: parse(manifest) as RenderedObject["object"],
      },
    ];
  });
}
