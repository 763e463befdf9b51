/**
 * Kubernetes object-name rules (DNS-1123), shared by the profile schema and the charts that check their
 * props, so every layer accepts and rejects the same names.
 */

/** A DNS-1123 label: namespaces, most object names, label-safe identifiers. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_LABEL_FIX =
  "use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit";

const DNS_SUBDOMAIN_PART = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_SUBDOMAIN_LENGTH = 253;
export const DNS_SUBDOMAIN_FIX =
  "use at most 253 lowercase letters, digits, '-' and '.', each '.'-separated part starting and ending with a letter or digit";

export function isDnsLabel(name: string): boolean {
  return DNS_LABEL.test(name);
}

/** A DNS-1123 subdomain: Secrets, cluster-scoped Kueue objects and others that allow dots. */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= MAX_SUBDOMAIN_LENGTH && name.split(".").every((part) => DNS_SUBDOMAIN_PART.test(part));
}

/** A container registry host, optionally with a port: `ghcr.io`, `registry.example.com:5000` (no scheme, no path). */
export function isRegistryHost(host: string): boolean {
  const colon = host.lastIndexOf(":");
  const name = colon >= 0 ? host.slice(0, colon) : host;
  const port = colon >= 0 ? host.slice(colon + 1) : undefined;
  return isDnsSubdomain(name) && (port === undefined || /^[0-9]{1,5}$/.test(port));
}
export const REGISTRY_HOST_FIX = "give a host (and port) only, e.g. ghcr.io or registry.example.com:5000";

/** A repository path segment as the OCI distribution spec allows it (lowercase, separated by `.`, `_`, `__`, `-`). */
const PATH_SEGMENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;

/** An image mirror: a registry host (and port) with an optional path, e.g. `registry.example.com/mirror`. */
export function isImageMirror(value: string): boolean {
  const [host, ...path] = value.split("/");
  return isRegistryHost(host) && path.every((segment) => PATH_SEGMENT.test(segment));
}
export const IMAGE_MIRROR_FIX =
  "give a registry host with an optional path and no scheme, e.g. registry.example.com/mirror";

/** A chart mirror: a Helm repository URL (`https://…`) or an OCI registry prefix (`oci://host/path`). */
export function isChartMirror(value: string): boolean {
  if (value.startsWith("oci://")) return isImageMirror(value.slice("oci://".length));
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "" && !url.search && !url.hash;
  } catch {
    return false;
  }
}
export const CHART_MIRROR_FIX =
  "give a Helm repository URL (https://charts.example.com/cnai) or an OCI registry prefix (oci://registry.example.com/charts)";
