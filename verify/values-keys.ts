/**
 * Checks that every Helm values key we set exists in the pinned chart. Helm silently ignores a
 * misspelled key, so this is the only thing standing between a typo and a broken deploy.
 *
 * A path we set is accepted when:
 *  1. the chart's default values.yaml has it (maps are followed key by key);
 *  2. the nearest default above it is an empty map `{}`: a free-form map such as `nodeSelector`,
 *     `podLabels`, `annotations` or `extraEnv`, whose keys are the user's;
 *  3. it lies inside a container `resources` block (a Kubernetes ResourceRequirements: `requests`,
 *     `limits` or `claims`, each a free-form map), whatever the chart's default lists (a `resources` map
 *     whose defaults are per-pod blocks, such as KEDA's `resources.operator`, is followed key by key);
 *  4. it lies under a subchart (`<sub>.…`) and that subchart's values.yaml has it (same rules);
 *  5. the chart's values.schema.json allows it (a declared property, or `additionalProperties`);
 *  6. the chart has no values.yaml but its templates read that path, or a map above it
 *     (values-referenced.txt);
 *  7. it is listed in DOCUMENTED_KEYS with the evidence that the templates read it (keys the
 *     values.yaml shows only as comments, and keys of subcharts whose values are not pinned).
 */
import { deepMerge, isPlainObject } from "../profiles/merge";
import type { ChartKey } from "../platform/versions";
import { CHARTS } from "../platform/versions";
import type { ReferenceDir } from "./reference";

/** Keys checked by evidence other than the parsed values.yaml, each with that evidence. */
export const DOCUMENTED_KEYS: Partial<Record<ChartKey, Record<string, string>>> = {
  seaweedfs: {
    "allInOne.s3.createBuckets":
      "values.yaml under allInOne.s3 shows `# createBuckets: - name: bucket-a anonymousRead: true`; read by templates/shared/post-install-bucket-hook.yaml",
  },
  qdrant: {
    apiKey:
      "values.yaml shows `# apiKey: false` (true = auto-generate); read by templates/_helpers.tpl `qdrant.secret`",
    "config.service.jwt_rbac":
      "`config` is written into Qdrant's own configuration file (values.yaml: `configuration to overwrite defaults`); `service.jwt_rbac` is qdrant/qdrant@v1.19.0:config/config.yaml, https://qdrant.tech/documentation/guides/security/",
  },
  jupyterhub: {
    "hub.config.KubeSpawner":
      "`hub.config.<Class>` sections are passed through to traitlets (jupyterhub/zero-to-jupyterhub-k8s@4.4.0:jupyterhub/files/hub/jupyterhub_config.py, `c[section].update(cfg)`); traits of KubeSpawner 7.0.0",
    "hub.config.Authenticator":
      "passed through like hub.config.KubeSpawner; `Authenticator.allowed_users` (jupyterhub/jupyterhub@5.5.0:jupyterhub/auth.py)",
    "hub.config.GenericOAuthenticator":
      "passed through like hub.config.KubeSpawner; traits of oauthenticator 17.4.0 (oauthenticator/oauth2.py, generic.py), the version in the chart's images/hub/requirements.txt",
  },
  "kube-prometheus-stack": {
    "grafana.resources": "grafana subchart values.yaml `resources: {}` (subchart values not pinned in the reference)",
    "grafana.sidecar.resources":
      "grafana subchart values.yaml `sidecar.resources: {}` (dashboard and datasource sidecars)",
    "kube-state-metrics.resources": "kube-state-metrics subchart values.yaml `resources: {}`",
    "kube-state-metrics.metricLabelsAllowlist":
      "kube-state-metrics subchart values.yaml `metricLabelsAllowlist: []`, passed as --metric-labels-allowlist by its templates/deployment.yaml",
    "prometheus-node-exporter.resources": "prometheus-node-exporter subchart values.yaml `resources: {}`",
    "prometheus-node-exporter.containerSecurityContext":
      "prometheus-node-exporter 4.56.1 subchart values.yaml `containerSecurityContext: {readOnlyRootFilesystem: true}`",
  },
};

const RESOURCE_REQUIREMENTS = new Set(["requests", "limits", "claims"]);

export interface UnknownKey {
  readonly path: string;
  /** The closest key the chart does have at that level, when one is near. */
  readonly suggestion?: string;
}

export function unknownValueKeys(reference: ReferenceDir, key: ChartKey, values: unknown): UnknownKey[] {
  const { chart, version } = CHARTS[key];
  const documented = DOCUMENTED_KEYS[key] ?? {};
  const defaults = reference.values(chart, version);
  const schema = reference.valuesSchema(chart, version);
  const referenced = defaults === undefined ? reference.referencedPaths(chart, version) : undefined;
  const subcharts = reference.subchartValues(chart, version);
  const unknown: UnknownKey[] = [];

  const allowedBySchema = (path: string[]): boolean => {
    let node: unknown = schema;
    for (const segment of path) {
      if (!isPlainObject(node)) return false;
      const properties = node.properties;
      if (isPlainObject(properties) && segment in properties) node = properties[segment];
      else if (node.additionalProperties === true || isPlainObject(node.additionalProperties)) return true;
      else if (!isPlainObject(properties) && node.type === "object") return true;
      else return false;
    }
    return true;
  };

  const walk = (ours: unknown, theirs: unknown, path: string[], insideSubchart: boolean): void => {
    if (!isPlainObject(ours)) return;
    if (path.length > 0 && isPlainObject(theirs) && Object.keys(theirs).length === 0) return; // rule 2
    // A `resources` map whose defaults name no ResourceRequirements key groups per-pod blocks (KEDA's
    // `resources.operator`): walk it like any map, so each inner `resources`-like block is checked by its defaults.
    const groupsBlocks =
      isPlainObject(theirs) &&
      Object.keys(theirs).length > 0 &&
      !Object.keys(theirs).some((k) => RESOURCE_REQUIREMENTS.has(k));
    if (path[path.length - 1] === "resources" && !groupsBlocks) {
      // rule 3: only the ResourceRequirements keys are checked
      for (const k of Object.keys(ours)) {
        if (!RESOURCE_REQUIREMENTS.has(k)) unknown.push({ path: [...path, k].join("."), suggestion: "requests" });
      }
      return;
    }
    for (const [k, child] of Object.entries(ours)) {
      const childPath = [...path, k];
      const dotted = childPath.join(".");
      if (dotted in documented) continue; // rule 7
      if (!insideSubchart && path.length === 0 && k in subcharts) {
        // rule 4: the subchart's defaults, with what the parent sets for it on top
        walk(child, deepMerge(subcharts[k], isPlainObject(theirs) ? theirs[k] : undefined), childPath, true);
        continue;
      }
      if (isPlainObject(theirs) && k in theirs) {
        walk(child, theirs[k], childPath, insideSubchart);
        continue;
      }
      if (!insideSubchart && schema && allowedBySchema(childPath)) continue; // rule 5
      unknown.push({ path: dotted, suggestion: isPlainObject(theirs) ? closest(k, Object.keys(theirs)) : undefined });
    }
  };

  if (defaults !== undefined) walk(values, defaults, [], false);
  else if (referenced !== undefined) walkReferenced(values, [], referenced, unknown, documented);
  else throw new Error(`No values.yaml or values-referenced.txt for ${chart} ${version} in ${reference.dir}`);
  return unknown;
}

/** Rule 6: a chart without values.yaml; a path is known when its templates read it or a map above it. */
function walkReferenced(
  value: unknown,
  path: string[],
  referenced: readonly string[],
  unknown: UnknownKey[],
  documented: Record<string, string>,
): void {
  if (!isPlainObject(value)) return;
  for (const [k, child] of Object.entries(value)) {
    const childPath = [...path, k];
    const dotted = childPath.join(".");
    if (dotted in documented || referenced.some((r) => dotted === r || dotted.startsWith(`${r}.`))) continue;
    if (isPlainObject(child) && referenced.some((r) => r.startsWith(`${dotted}.`))) {
      walkReferenced(child, childPath, referenced, unknown, documented);
      continue;
    }
    const siblings = referenced
      .filter((r) => r.startsWith(path.length ? `${path.join(".")}.` : ""))
      .map((r) => r.split(".")[path.length]);
    unknown.push({ path: dotted, suggestion: closest(k, [...new Set(siblings)]) });
  }
}

/** The nearest candidate by edit distance, if it is close enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
