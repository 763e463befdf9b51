import { allVersions } from "../platform/versions";

/** The README's version table, generated from the one version table in the code. */
export function versionTableMarkdown(): string {
  const rows = allVersions().map((entry) => {
    switch (entry.kind) {
      case "chart":
        return `| ${entry.key} | Helm chart \`${entry.chart}\` from \`${entry.repository}\` | \`${entry.version}\` |`;
      case "image":
        return `| ${entry.key} | image \`${entry.repository}\` | \`${entry.tag}\` |`;
      case "manifest":
        return `| ${entry.key} | manifest \`${entry.url}\` (sha256 \`${entry.sha256.slice(0, 12)}…\`) | \`${entry.version}\` |`;
      case "provider":
        return `| ${entry.key} | OpenTofu provider \`${entry.source}\` | \`${entry.version}\` |`;
    }
  });
  return ["| key | what | pinned version |", "|---|---|---|", ...rows].join("\n");
}
