/**
 * The README's generated blocks: text between `<!-- NAME:start … -->` and `<!-- NAME:end -->` is
 * produced from the code (`npm run readme`), and a test fails when the README differs.
 */
import { capacityReport, formatCapacityReport } from "./capacity";
import { loadProfile } from "../profiles/load";
import { CATALOG } from "../platform/catalog";
import { costReport, formatCostReport } from "./cost";
import { versionTableMarkdown } from "./version-table";
import { byText } from "../profiles/order";

/** Profiles whose capacity report the README shows. */
const CAPACITY_PROFILES = ["workstation-gpu", "cluster-gpu", "multicloud-gpu"];
/** Cloud profiles whose cost report the README shows. */
const COST_PROFILES = ["eks-gpu", "multicloud-gpu"];

/** The component table, from the catalog; dependencies as declared for the profile that uses every component kind. */
function componentTable(): string {
  const profile = loadProfile("cluster-gpu");
  const rows = [...CATALOG]
    .sort((a, b) => byText(a.id, b.id))
    .map((c) => {
      const deps = c.dependencies(profile).map((d) => (d.optional ? `${d.id} (optional)` : d.id));
      return `| ${c.id} | ${c.summary} | ${deps.join(", ") || "—"} |`;
    });
  return ["| component | what it is for | depends on (cluster-gpu) |", "|---|---|---|", ...rows].join("\n");
}

export const README_BLOCKS: Record<string, () => string> = {
  versions: versionTableMarkdown,
  components: componentTable,
  capacity: () => CAPACITY_PROFILES.map((name) => formatCapacityReport(capacityReport(loadProfile(name)))).join("\n\n"),
  cost: () => COST_PROFILES.map((name) => formatCostReport(name, costReport(loadProfile(name)))).join("\n\n"),
};

/** Replaces every generated block of a README text. */
export function withGeneratedBlocks(readme: string): string {
  let text = readme;
  for (const [name, generate] of Object.entries(README_BLOCKS)) {
    const start = new RegExp(`<!-- ${name}:start[^>]*-->`).exec(text);
    const end = text.indexOf(`<!-- ${name}:end -->`);
    if (!start || end < start.index)
      throw new Error(`README.md lacks the <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    const head = start.index + start[0].length;
    text = `${text.slice(0, head)}\n${generate()}\n${text.slice(end)}`;
  }
  return text;
}
