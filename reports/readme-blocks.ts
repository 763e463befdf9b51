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
import { footprint, footprintTotal } from "./footprint";
import type { RenderedStack } from "./rendered";
import { POSTURE_EXCEPTIONS } from "../verify/posture";
import { platformAlertRules, platformDashboards } from "../charts/dashboards/platform";
import { observabilityInput } from "../platform/components/observability";
import { contextFor } from "../platform/graph";

/** Renders a profile's platform stacks through Helm (verify/helm-render.ts `renderProfile`), injected by the caller. */
export type ProfileRenderer = (profile: string) => readonly RenderedStack[];

/** Profiles whose rendered footprint the README shows (every platform stack of each). */
export const FOOTPRINT_PROFILES = [
  "laptop",
  "laptop-gpu",
  "workstation-gpu",
  "cluster-gpu",
  "eks-gpu",
  "gke-gpu",
  "aks-gpu",
];

function footprintTable(render: ProfileRenderer): string {
  const rows = FOOTPRINT_PROFILES.flatMap((name) =>
    render(name).map((stack) => {
      const total = footprintTotal(footprint(stack));
      return `| \`${stack.stack}\` | ${total.cpuCores} | ${total.memoryGiB} GiB | ${total.pods} |`;
    }),
  );
  return ["| platform stack | CPU requested | memory requested | pods |", "|---|---|---|---|", ...rows].join("\n");
}

function postureExceptionTable(): string {
  const rows = POSTURE_EXCEPTIONS.map(
    (e) =>
      `| ${e.release} | \`${e.workload}\`${e.container === "*" ? "" : ` (${e.container})`} | ${e.checks.join(", ")} | ${e.reason} | ${e.source} |`,
  );
  return ["| release | workload | accepted findings | why | source |", "|---|---|---|---|---|", ...rows].join("\n");
}

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

/** What each dashboard and alert rule answers, from their definitions (cluster-gpu, the profile with every kind of pool). */
function dashboardTable(): string {
  const input = observabilityInput(contextFor(loadProfile("cluster-gpu")));
  return [
    "| dashboard | answers | panels |",
    "|---|---|---|",
    ...platformDashboards(input).map(
      (d) => `| ${d.title} | ${d.question} | ${d.panels.map((p) => p.title).join("; ")} |`,
    ),
    "",
    "| alert rule | answers | fires after |",
    "|---|---|---|",
    ...platformAlertRules(input).map((r) => `| \`${r.alert}\` | ${r.question} | ${r.for} |`),
  ].join("\n");
}

export const README_BLOCKS: Record<string, (render: ProfileRenderer) => string> = {
  footprint: footprintTable,
  posture: postureExceptionTable,
  versions: versionTableMarkdown,
  components: componentTable,
  dashboards: dashboardTable,
  capacity: () => CAPACITY_PROFILES.map((name) => formatCapacityReport(capacityReport(loadProfile(name)))).join("\n\n"),
  cost: () => COST_PROFILES.map((name) => formatCostReport(name, costReport(loadProfile(name)))).join("\n\n"),
};

/** Replaces every generated block of a README text. */
export function withGeneratedBlocks(readme: string, render: ProfileRenderer): string {
  let text = readme;
  for (const [name, generate] of Object.entries(README_BLOCKS)) {
    const start = new RegExp(`<!-- ${name}:start[^>]*-->`).exec(text);
    const end = text.indexOf(`<!-- ${name}:end -->`);
    if (!start || end < start.index)
      throw new Error(`README.md lacks the <!-- ${name}:start --> / <!-- ${name}:end --> markers`);
    const head = start.index + start[0].length;
    text = `${text.slice(0, head)}\n${generate(render)}\n${text.slice(end)}`;
  }
  return text;
}
