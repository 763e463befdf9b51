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
