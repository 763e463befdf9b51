/**
 * The Kueue simulation's chart: per GPU pool, the slots each team had admitted over simulated time, as
 * a stacked step area with each team's guaranteed share and the pool's capacity. Pure: a chart in, SVG
 * text out, byte-identical for the same input (GitHub renders it from a README image link, so no
 * scripts, no <style>, no external fonts: presentation attributes only).
 */

export interface TeamSeries {
  readonly team: string;
  /** The team's nominal quota on this pool (slots of `resource`): drawn as a dashed horizontal line in the team's colour. */
  readonly nominal: number;
  /** Nominal + borrowing limit (what it can obtain at most); optional, drawn as a dotted line when given and different. */
  readonly obtainable?: number;
  /** A step function: admitted slots from `minute` on, until the next point. Sorted by minute; may start after 0 (0 before). */
  readonly points: ReadonlyArray<{ readonly minute: number; readonly admitted: number }>;
}

export interface PoolChart {
  readonly pool: string;
  /** The resource counted, e.g. "nvidia.com/gpu" or "nvidia.com/mig-1g.10gb". */
  readonly resource: string;
  /** The pool's total slots of that resource: a solid line labelled "capacity". */
  readonly capacity: number;
  /** The length of the x axis in simulated minutes. */
  readonly minutes: number;
  /** Caption under the title, e.g. "time compressed: 1 simulated minute = 1 s". */
  readonly note?: string;
  readonly teams: readonly TeamSeries[];
}

export interface TeamAdmitted {
  readonly team: string;
  readonly admitted: number;
}

/** Tableau 10: distinguishable on white and as light fills; team i gets PALETTE[i % 10]. */
export const PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const WIDTH = 720;
const HEIGHT = 360;
const PLOT_LEFT = 56;
const MIN_PLOT_WIDTH = 440;
const BOTTOM_MARGIN = 44;
const LEGEND_ROW = 18;
/** A generous average glyph width for 12px sans-serif: the legend is sized from it, so it must not underestimate. */
const CHAR_WIDTH = 7.2;
const AREA_OPACITY = 0.4;
const INK = "#333333";
const MUTED = "#666666";
const GRID = "#e6e6e6";

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

/** Throws on the first field a chart cannot be drawn from, naming the field, its value and the fix. */
export function validatePoolChart(chart: PoolChart): void {
  check(
    typeof chart.pool === "string" && chart.pool !== "",
    `PoolChart.pool is ${describe(chart.pool)}; pass the pool's name (it titles the chart).`,
  );
  const at = `PoolChart "${chart.pool}"`;
  check(
    typeof chart.resource === "string" && chart.resource !== "",
    `${at}: resource is ${describe(chart.resource)}; pass the resource counted, e.g. "nvidia.com/gpu".`,
  );
  check(
    isCount(chart.capacity),
    `${at}: capacity is ${describe(chart.capacity)}; pass the pool's total slots of ${chart.resource}, a finite number >= 0.`,
  );
  check(
    typeof chart.minutes === "number" && Number.isFinite(chart.minutes) && chart.minutes > 0,
    `${at}: minutes is ${describe(chart.minutes)}; pass the simulated duration in minutes, a finite number > 0.`,
  );
  check(
    chart.note === undefined || typeof chart.note === "string",
    `${at}: note is ${describe(chart.note)}; pass a string or leave it out.`,
  );
  check(Array.isArray(chart.teams), `${at}: teams is ${describe(chart.teams)}; pass an array of team series.`);
  const seen = new Map<string, number>();
  chart.teams.forEach((series, i) => {
    check(
      typeof series.team === "string" && series.team !== "",
      `${at}: teams[${i}].team is ${describe(series.team)}; pass the team's name.`,
    );
    const team = `${at}: teams[${i}] (${series.team})`;
    const first = seen.get(series.team);
    check(first === undefined, `${team} repeats teams[${first}]; merge them into one series per team.`);
    seen.set(series.team, i);
    check(
      isCount(series.nominal),
      `${team}.nominal is ${describe(series.nominal)}; pass the team's nominal quota in slots, a finite number >= 0.`,
    );
    if (series.obtainable !== undefined)
      check(
        isCount(series.obtainable) && series.obtainable >= series.nominal,
        `${team}.obtainable is ${describe(series.obtainable)}; pass nominal + borrowing limit ` +
          `(at least the nominal ${series.nominal}), or leave it out.`,
      );
    check(Array.isArray(series.points), `${team}.points is ${describe(series.points)}; pass an array of points.`);
    series.points.forEach((point, j) => {
      const { minute, admitted } = point;
      check(
        typeof minute === "number" && Number.isFinite(minute) && minute >= 0 && minute <= chart.minutes,
        `${team}.points[${j}].minute is ${describe(minute)}; it must lie on the x axis, 0 to minutes (${chart.minutes}): ` +
          `drop the point or lengthen minutes.`,
      );
      check(
        isCount(admitted),
        `${team}.points[${j}].admitted is ${describe(admitted)}; admitted slots are a finite number >= 0.`,
      );
      if (j > 0) {
        const previous = series.points[j - 1].minute;
        check(
          minute >= previous,
          `${team}.points[${j}].minute is ${minute}, before points[${j - 1}].minute ${previous}; sort the points by minute.`,
        );
      }
    });
  });
}

/** The last point at or before `minute` (sorted points: binary search); later points at the same minute win. */
function valueAt(series: TeamSeries, minute: number): number {
  let low = 0;
  let high = series.points.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (series.points[mid].minute <= minute) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? 0 : series.points[low - 1].admitted;
}

function stack(chart: PoolChart, minute: number): TeamAdmitted[] {
  return chart.teams.map((series) => ({ team: series.team, admitted: valueAt(series, minute) }));
}

/**
 * Each team's admitted slots at `minute`, in the chart's team order: the value of its step function
 * (0 before its first point; where several points share a minute, the last one).
 */
export function stackAt(chart: PoolChart, minute: number): readonly TeamAdmitted[] {
  validatePoolChart(chart);
  check(
    typeof minute === "number" && Number.isFinite(minute),
    `stackAt: minute is ${describe(minute)}; pass a finite number of simulated minutes.`,
  );
  return stack(chart, minute);
}

/** Rounds to at most one decimal so the output is the same on every machine; never prints "-0". */
function num(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(rounded === 0 ? 0 : rounded);
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function element(name: string, attributes: Record<string, string | number>, text?: string): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${typeof value === "number" ? num(value) : escapeXml(value)}"`)
    .join("");
  return text === undefined ? `<${name}${attrs}/>` : `<${name}${attrs}>${escapeXml(text)}</${name}>`;
}

/** 1, 2 or 5 times a power of ten (never below `floor`), giving at most about `count` intervals over `range`. */
function niceStep(range: number, count: number, floor: number): number {
  const raw = range / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(floor, step);
}

function textWidth(text: string): number {
  return text.length * CHAR_WIDTH;
}

/**
 * The chart as standalone SVG. Teams stack in the order given. Each team's dashed line marks the top of
 * its guaranteed share in that same stack (the nominal quotas of the teams below it plus its own), so
 * a band whose top edge rises above its team's dashed line means the stack up to that team is
 * borrowing; a line at the team's own nominal would only line up with the bottom team's band. The
 * dotted line is the most its band can reach while the teams below hold their nominal, capped at
 * capacity; it is left out where it would coincide with the dashed line.
 */
export function poolChartSvg(chart: PoolChart): string {
  validatePoolChart(chart);
  const { teams, minutes, capacity } = chart;

  // Everything changes only where some team's step function does: the stack at those minutes is exact.
  const breaks = [...new Set([0, ...teams.flatMap((t) => t.points.map((p) => p.minute))])].sort((a, b) => a - b);
  const cumulative = breaks.map((minute) => {
    const tops = [0];
    for (const { admitted } of stack(chart, minute)) tops.push(tops[tops.length - 1] + admitted);
    return tops;
  });
  const peak = Math.max(0, ...cumulative.map((tops) => tops[tops.length - 1]));
  const guaranteedTops = [0];
  for (const t of teams) guaranteedTops.push(guaranteedTops[guaranteedTops.length - 1] + t.nominal);
  const obtainableTops = teams.map((t, i) => {
    if (t.obtainable === undefined) return undefined;
    const top = Math.max(guaranteedTops[i + 1], Math.min(capacity, guaranteedTops[i] + t.obtainable));
    return num(top) === num(guaranteedTops[i + 1]) ? undefined : top;
  });
  const anyObtainable = obtainableTops.some((top) => top !== undefined);

  // The legend sits right of the plot; a long team name widens the image rather than being cut off.
  const labels = teams.map((t) => `${t.team} (nominal ${num(t.nominal)})`);
  const keys: Array<{ label: string; dash?: string; colour: string }> = [
    { label: "nominal quota (stacked)", dash: "6 4", colour: MUTED },
    ...(anyObtainable ? [{ label: "+ borrowing limit", dash: "2 3", colour: MUTED }] : []),
  ];
  const legendWidth = Math.max(...[...labels, ...keys.map((k) => k.label)].map(textWidth), 120) + 32;
  const width = Math.max(WIDTH, PLOT_LEFT + MIN_PLOT_WIDTH + 16 + legendWidth);
  const plotRight = width - legendWidth - 16;
  const plotTop = chart.note === undefined ? 48 : 64;
  const legendRows = teams.length + keys.length;
  const height = Math.max(HEIGHT, plotTop + legendRows * LEGEND_ROW + LEGEND_ROW / 2 + BOTTOM_MARGIN);
  const plotBottom = height - BOTTOM_MARGIN;

  // Up to a whole tick past the capacity and the peak, and past nominal quotas that overcommit the pool,
  // so no line leaves the plot; an empty chart still gets a 0..1 axis.
  const highest = Math.max(capacity, peak, guaranteedTops[teams.length], 1);
  const yStep = niceStep(highest, 8, 1);
  const yMax = Math.ceil(highest / yStep) * yStep;
  const xStep = niceStep(minutes, 8, 0.1);
  const x = (minute: number): number => PLOT_LEFT + (minute / minutes) * (plotRight - PLOT_LEFT);
  const y = (slots: number): number => plotBottom - (slots / yMax) * (plotBottom - plotTop);

  const title = `${chart.pool}: admitted ${chart.resource} per team`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
      `viewBox="0 0 ${num(width)} ${num(height)}" font-family="sans-serif" role="img">`,
    element("title", {}, title),
    element("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }),
    element("text", { x: PLOT_LEFT, y: 24, "font-size": 15, "font-weight": "bold", fill: INK }, title),
  ];
  if (chart.note !== undefined)
    out.push(element("text", { x: PLOT_LEFT, y: 42, "font-size": 12, fill: MUTED }, chart.note));

  for (let k = 0; k * yStep <= yMax; k++) {
    const slots = k * yStep;
    out.push(
      element("line", { x1: PLOT_LEFT, y1: y(slots), x2: plotRight, y2: y(slots), stroke: GRID }),
      element(
        "text",
        { x: PLOT_LEFT - 6, y: y(slots) + 4, "font-size": 11, "text-anchor": "end", fill: INK },
        num(slots),
      ),
    );
  }
  for (let k = 0; Math.round(k * xStep * 10) / 10 <= minutes; k++) {
    const minute = Math.round(k * xStep * 10) / 10;
    out.push(
      element("line", { x1: x(minute), y1: plotBottom, x2: x(minute), y2: plotBottom + 4, stroke: INK }),
      element(
        "text",
        { x: x(minute), y: plotBottom + 16, "font-size": 11, "text-anchor": "middle", fill: INK },
        num(minute),
      ),
    );
  }

  const edges: string[] = [];
  teams.forEach((_, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const upper = breaks.map((minute, k) => ({ x: num(x(minute)), y: num(y(cumulative[k][i + 1])) }));
    const lower = breaks.map((minute, k) => ({ x: num(x(minute)), y: num(y(cumulative[k][i])) }));
    // Forward along the team's top edge, back along the top of the team below it.
    const top = [`M${upper[0].x} ${upper[0].y}`];
    for (let k = 1; k < upper.length; k++)
      if (upper[k].y !== upper[k - 1].y) top.push(`H${upper[k].x}`, `V${upper[k].y}`);
    top.push(`H${num(x(minutes))}`);
    const area = [...top];
    if (lower[lower.length - 1].y !== upper[upper.length - 1].y) area.push(`V${lower[lower.length - 1].y}`);
    for (let k = lower.length - 1; k > 0; k--)
      if (lower[k].y !== lower[k - 1].y) area.push(`H${lower[k].x}`, `V${lower[k - 1].y}`);
    area.push(`H${lower[0].x}`, "Z");
    out.push(element("path", { d: area.join(" "), fill: colour, "fill-opacity": AREA_OPACITY, stroke: "none" }));
    edges.push(element("path", { d: top.join(" "), fill: "none", stroke: colour, "stroke-width": 1.5 }));
  });
  // A team with nothing admitted has its top edge on the edge of the team below: draw the edges top team
  // first, so the lower team's colour wins where they coincide.
  out.push(...edges.reverse());

  // Reference lines go over the areas so a team's own fill never hides them, and the team lines over the
  // capacity line: when the nominal quotas add up to the capacity, the last team's line lies on it.
  out.push(
    element("line", { x1: PLOT_LEFT, y1: y(capacity), x2: plotRight, y2: y(capacity), stroke: INK, "stroke-width": 2 }),
  );
  teams.forEach((_, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const nominalY = y(guaranteedTops[i + 1]);
    out.push(
      element("line", {
        x1: PLOT_LEFT,
        y1: nominalY,
        x2: plotRight,
        y2: nominalY,
        stroke: colour,
        "stroke-width": 1.5,
        "stroke-dasharray": "6 4",
      }),
    );
    const obtainable = obtainableTops[i];
    if (obtainable !== undefined)
      out.push(
        element("line", {
          x1: PLOT_LEFT,
          y1: y(obtainable),
          x2: plotRight,
          y2: y(obtainable),
          stroke: colour,
          "stroke-width": 1.5,
          "stroke-dasharray": "2 3",
        }),
      );
  });
  out.push(
    element(
      "text",
      { x: plotRight - 4, y: y(capacity) - 5, "font-size": 11, "text-anchor": "end", fill: INK },
      `capacity ${num(capacity)}`,
    ),
    element("line", { x1: PLOT_LEFT, y1: plotTop, x2: PLOT_LEFT, y2: plotBottom, stroke: INK }),
    element("line", { x1: PLOT_LEFT, y1: plotBottom, x2: plotRight, y2: plotBottom, stroke: INK }),
    element(
      "text",
      { x: (PLOT_LEFT + plotRight) / 2, y: plotBottom + 34, "font-size": 12, "text-anchor": "middle", fill: INK },
      "simulated minutes",
    ),
    element(
      "text",
      {
        x: 16,
        y: (plotTop + plotBottom) / 2,
        "font-size": 12,
        "text-anchor": "middle",
        fill: INK,
        transform: `rotate(-90 16 ${num((plotTop + plotBottom) / 2)})`,
      },
      "admitted slots",
    ),
  );

  const legendX = plotRight + 16;
  labels.forEach((label, i) => {
    const rowY = plotTop + i * LEGEND_ROW;
    const colour = PALETTE[i % PALETTE.length];
    out.push(
      element("rect", {
        x: legendX,
        y: rowY,
        width: 12,
        height: 12,
        fill: colour,
        "fill-opacity": AREA_OPACITY,
        stroke: colour,
      }),
      element("text", { x: legendX + 18, y: rowY + 10, "font-size": 12, fill: INK }, label),
    );
  });
  keys.forEach((key, i) => {
    const rowY = plotTop + (teams.length + i) * LEGEND_ROW + LEGEND_ROW / 2;
    out.push(
      element("line", {
        x1: legendX,
        y1: rowY + 6,
        x2: legendX + 12,
        y2: rowY + 6,
        stroke: key.colour,
        "stroke-width": 1.5,
        ...(key.dash === undefined ? {} : { "stroke-dasharray": key.dash }),
      }),
      element("text", { x: legendX + 18, y: rowY + 10, "font-size": 12, fill: INK }, key.label),
    );
  });

  out.push("</svg>");
  return out.join("\n") + "\n";
}
