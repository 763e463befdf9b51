// @xmldom/xmldom is already installed (cdktf-cli's jsii-rosetta depends on it): a real XML parser proves well-formedness.
import { DOMParser, onWarningStopParsing } from "@xmldom/xmldom";
import type { Element } from "@xmldom/xmldom";
import type { PoolChart, TeamSeries } from "../../reports/simulation-chart";
import { PALETTE, poolChartSvg, stackAt } from "../../reports/simulation-chart";

/** Parses strictly: any warning or error throws, so a passing parse is well-formed XML. */
function parse(svg: string): Element {
  const root = new DOMParser({ onError: onWarningStopParsing }).parseFromString(svg, "image/svg+xml").documentElement;
  if (!root) throw new Error("no document element");
  return root;
}

function elements(root: Element, name: string): Element[] {
  const list = root.getElementsByTagName(name);
  const found: Element[] = [];
  for (let i = 0; i < list.length; i++) found.push(list.item(i) as Element);
  return found;
}

function texts(svg: string): string[] {
  return elements(parse(svg), "text").map((t) => t.textContent ?? "");
}

function lines(svg: string): Array<Record<string, string>> {
  return elements(parse(svg), "line").map((line) => {
    const attributes: Record<string, string> = {};
    for (const name of ["y1", "y2", "stroke", "stroke-dasharray"]) attributes[name] = line.getAttribute(name) ?? "";
    return attributes;
  });
}

/**
 * One team on a 4-slot pool over 10 minutes, no note. The scale it gets: the plot spans x 56..506.4
 * (the legend takes the rest of the 720) and y 316..48 for 0..4 slots, so y(s) = 316 - 67 s and
 * x(m) = 56 + 45.04 m.
 */
const SOLO: PoolChart = {
  pool: "gpu",
  resource: "nvidia.com/gpu",
  capacity: 4,
  minutes: 10,
  teams: [
    {
      team: "solo",
      nominal: 2,
      points: [
        { minute: 0, admitted: 1 },
        { minute: 4, admitted: 3 },
      ],
    },
  ],
};

function withTeams(teams: readonly TeamSeries[], overrides: Partial<PoolChart> = {}): PoolChart {
  return { ...SOLO, ...overrides, teams };
}

const TWO: PoolChart = {
  pool: "a100",
  resource: "nvidia.com/mig-1g.10gb",
  capacity: 16,
  minutes: 90,
  note: "time compressed: 1 simulated minute = 1 s",
  teams: [
    {
      team: "research",
      nominal: 12,
      obtainable: 16,
      points: [
        { minute: 0, admitted: 4 },
        { minute: 10, admitted: 16 },
        { minute: 30, admitted: 12 },
      ],
    },
    {
      team: "applied",
      nominal: 4,
      points: [
        { minute: 30, admitted: 4 },
        { minute: 60, admitted: 0 },
      ],
    },
  ],
};

describe("stackAt", () => {
  test("gives each team's step-function value at a minute, in the chart's team order", () => {
    expect(stackAt(TWO, 0)).toEqual([
      { team: "research", admitted: 4 },
      { team: "applied", admitted: 0 },
    ]);
    expect(stackAt(TWO, 29.9)).toEqual([
      { team: "research", admitted: 16 },
      { team: "applied", admitted: 0 },
    ]);
    expect(stackAt(TWO, 30)).toEqual([
      { team: "research", admitted: 12 },
      { team: "applied", admitted: 4 },
    ]);
    expect(stackAt(TWO, 90)).toEqual([
      { team: "research", admitted: 12 },
      { team: "applied", admitted: 0 },
    ]);
  });

  test("a team is at 0 before its first point, and of points at the same minute the last one counts", () => {
    const chart = withTeams([
      {
        team: "late",
        nominal: 1,
        points: [
          { minute: 5, admitted: 2 },
          { minute: 5, admitted: 3 },
        ],
      },
    ]);
    expect(stackAt(chart, 4)).toEqual([{ team: "late", admitted: 0 }]);
    expect(stackAt(chart, 5)).toEqual([{ team: "late", admitted: 3 }]);
  });

  test("rejects a minute that is not a number", () => {
    expect(() => stackAt(SOLO, Number.NaN)).toThrow(
      "stackAt: minute is NaN; pass a finite number of simulated minutes.",
    );
  });
});

describe("poolChartSvg", () => {
  test("draws one team's step area and top edge with exact coordinates", () => {
    const paths = elements(parse(poolChartSvg(SOLO)), "path").map((p) => p.getAttribute("d"));
    expect(paths).toEqual(["M56 249 H236.2 V115 H506.4 V316 H56 Z", "M56 249 H236.2 V115 H506.4"]);
  });

  test("draws the nominal quota as a dashed line in the team's colour at its height on the y scale", () => {
    expect(lines(poolChartSvg(SOLO))).toContainEqual({
      y1: "182",
      y2: "182",
      stroke: PALETTE[0],
      "stroke-dasharray": "6 4",
    });
  });

  test("the second team's dashed line marks the top of its share in the stack", () => {
    const svg = poolChartSvg(withTeams([...SOLO.teams, { team: "second", nominal: 1, points: [] }]));
    // 2 + 1 slots: y(3) = 316 - 3 * 67.
    expect(lines(svg)).toContainEqual({ y1: "115", y2: "115", stroke: PALETTE[1], "stroke-dasharray": "6 4" });
  });

  test("stacks the second team's area on the first team's", () => {
    const svg = poolChartSvg(
      withTeams([SOLO.teams[0], { team: "second", nominal: 1, points: [{ minute: 2, admitted: 1 }] }]),
    );
    const paths = elements(parse(svg), "path").map((p) => p.getAttribute("d"));
    // Areas first, in team order; then the top edges, top team first.
    expect(paths).toEqual([
      "M56 249 H236.2 V115 H506.4 V316 H56 Z",
      "M56 249 H146.1 V182 H236.2 V48 H506.4 V115 H236.2 V249 H56 Z",
      "M56 249 H146.1 V182 H236.2 V48 H506.4",
      "M56 249 H236.2 V115 H506.4",
    ]);
  });

  test("draws the capacity as a solid line labelled with it", () => {
    const svg = poolChartSvg(SOLO);
    expect(lines(svg)).toContainEqual({ y1: "48", y2: "48", stroke: "#333333", "stroke-dasharray": "" });
    expect(texts(svg)).toContain("capacity 4");
  });

  test("titles the chart with the pool and the resource, and puts the note under it", () => {
    expect(texts(poolChartSvg(TWO)).slice(0, 2)).toEqual([
      "a100: admitted nvidia.com/mig-1g.10gb per team",
      "time compressed: 1 simulated minute = 1 s",
    ]);
  });

  test("the legend names each team with its nominal quota, then the line styles", () => {
    const all = texts(poolChartSvg(TWO));
    expect(all.slice(-4)).toEqual([
      "research (nominal 12)",
      "applied (nominal 4)",
      "nominal quota (stacked)",
      "+ borrowing limit",
    ]);
  });

  test("labels the axes with round minutes and integer slots", () => {
    const all = texts(poolChartSvg(TWO));
    expect(all.slice(2, 11)).toEqual(["0", "2", "4", "6", "8", "10", "12", "14", "16"]);
    expect(all.slice(11, 16)).toEqual(["0", "20", "40", "60", "80"]);
    expect(all).toContain("simulated minutes");
    expect(all).toContain("admitted slots");
  });

  test("draws an area and a top edge per team", () => {
    expect(elements(parse(poolChartSvg(TWO)), "path")).toHaveLength(4);
  });

  test("draws the obtainable limit as a dotted line only where it differs from the nominal", () => {
    const dotted = (chart: PoolChart): number =>
      lines(poolChartSvg(chart)).filter((l) => l["stroke-dasharray"] === "2 3").length;
    // research's 16 is drawn (and keyed in the legend); applied gives none.
    expect(dotted(TWO)).toBe(2);
    const same = withTeams([{ ...SOLO.teams[0], obtainable: 2 }]);
    expect(dotted(same)).toBe(0);
    expect(texts(poolChartSvg(same))).not.toContain("+ borrowing limit");
  });

  test("caps the dotted line at the capacity, since nothing is admitted beyond it", () => {
    const svg = poolChartSvg(withTeams([{ ...SOLO.teams[0], obtainable: 9 }]));
    expect(lines(svg)).toContainEqual({ y1: "48", y2: "48", stroke: PALETTE[0], "stroke-dasharray": "2 3" });
  });

  test("the y axis reaches the peak of the stack when it is above the capacity", () => {
    const svg = poolChartSvg(withTeams([{ team: "over", nominal: 2, points: [{ minute: 1, admitted: 7 }] }]));
    expect(texts(svg).slice(1, 9)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7"]);
  });

  test("escapes names for XML", () => {
    const svg = poolChartSvg({ ...withTeams([{ ...SOLO.teams[0], team: "a&b<c>" }]), pool: `"x"&'y'` });
    expect(svg).toContain("a&amp;b&lt;c&gt; (nominal 2)");
    expect(svg).toContain("&quot;x&quot;&amp;&apos;y&apos;: admitted");
    expect(texts(svg)).toContain("a&b<c> (nominal 2)");
  });

  test("is a standalone SVG with a white background and no scripts or styles", () => {
    const svg = poolChartSvg(TWO);
    const root = parse(svg);
    expect(root.tagName).toBe("svg");
    expect(root.namespaceURI).toBe("http://www.w3.org/2000/svg");
    expect(root.getAttribute("viewBox")).toBe("0 0 720 360");
    expect(root.getAttribute("font-family")).toBe("sans-serif");
    const background = elements(root, "rect")[0];
    expect([background.getAttribute("width"), background.getAttribute("fill")]).toEqual(["720", "#ffffff"]);
    expect(svg).not.toMatch(/<script|<style|style=|href=|@import/);
  });

  test("is deterministic and rounds every number to at most one decimal", () => {
    const chart = withTeams([{ team: "odd", nominal: 1, points: [{ minute: 10 / 3, admitted: 1 }] }], { minutes: 7 });
    const svg = poolChartSvg(chart);
    expect(poolChartSvg(chart)).toBe(svg);
    expect(svg).not.toMatch(/\d\.\d\d/);
  });

  test("cycles the palette after ten teams and makes the image taller rather than cut off the legend", () => {
    const teams = Array.from({ length: 16 }, (_, i) => ({ team: `team-${i}`, nominal: 0, points: [] }));
    const root = parse(poolChartSvg(withTeams(teams)));
    const swatches = elements(root, "rect").slice(1);
    expect(swatches.map((s) => s.getAttribute("fill"))).toEqual([...PALETTE, ...PALETTE.slice(0, 6)]);
    // 16 teams and one line style at 18 px a row, from y 48, plus the margins: 48 + 17 * 18 + 9 + 44.
    expect(root.getAttribute("height")).toBe("407");
  });

  test("a long team name widens the image rather than run off its edge", () => {
    const root = parse(poolChartSvg(withTeams([{ ...SOLO.teams[0], team: "x".repeat(63) }])));
    // y axis 56 + the minimum plot 440 + gap 16 + the legend: " (nominal 2)" makes 75 characters at 7.2 px, + 32.
    expect([root.getAttribute("width"), root.getAttribute("viewBox")]).toEqual(["1084", "0 0 1084 360"]);
  });
});

describe("poolChartSvg rejects a chart it cannot draw", () => {
  const point = (minute: number, admitted: number) => ({ minute, admitted });

  test("a negative capacity", () => {
    expect(() => poolChartSvg({ ...SOLO, capacity: -1 })).toThrow(
      'PoolChart "gpu": capacity is -1; pass the pool\'s total slots of nvidia.com/gpu, a finite number >= 0.',
    );
  });

  test("minutes of 0 or less", () => {
    expect(() => poolChartSvg({ ...SOLO, minutes: 0 })).toThrow(
      'PoolChart "gpu": minutes is 0; pass the simulated duration in minutes, a finite number > 0.',
    );
  });

  test("points not sorted by minute", () => {
    const chart = withTeams([{ team: "solo", nominal: 2, points: [point(5, 1), point(3, 2)] }]);
    expect(() => poolChartSvg(chart)).toThrow(
      'PoolChart "gpu": teams[0] (solo).points[1].minute is 3, before points[0].minute 5; sort the points by minute.',
    );
  });

  test("a negative admitted count", () => {
    const chart = withTeams([{ team: "solo", nominal: 2, points: [point(0, -2)] }]);
    expect(() => poolChartSvg(chart)).toThrow(
      'PoolChart "gpu": teams[0] (solo).points[0].admitted is -2; admitted slots are a finite number >= 0.',
    );
  });

  test("a point beyond the x axis", () => {
    const chart = withTeams([{ team: "solo", nominal: 2, points: [point(11, 1)] }]);
    expect(() => poolChartSvg(chart)).toThrow(
      'PoolChart "gpu": teams[0] (solo).points[0].minute is 11; it must lie on the x axis, 0 to minutes (10): ' +
        "drop the point or lengthen minutes.",
    );
  });

  test("a negative nominal quota", () => {
    expect(() => poolChartSvg(withTeams([{ team: "solo", nominal: -1, points: [] }]))).toThrow(
      'PoolChart "gpu": teams[0] (solo).nominal is -1; pass the team\'s nominal quota in slots, a finite number >= 0.',
    );
  });

  test("an obtainable limit below the nominal quota", () => {
    expect(() => poolChartSvg(withTeams([{ team: "solo", nominal: 2, obtainable: 1, points: [] }]))).toThrow(
      'PoolChart "gpu": teams[0] (solo).obtainable is 1; pass nominal + borrowing limit (at least the nominal 2), or leave it out.',
    );
  });

  test("the same team twice", () => {
    const chart = withTeams([
      { team: "solo", nominal: 1, points: [] },
      { team: "solo", nominal: 1, points: [] },
    ]);
    expect(() => poolChartSvg(chart)).toThrow(
      'PoolChart "gpu": teams[1] (solo) repeats teams[0]; merge them into one series per team.',
    );
  });

  test("a missing pool name or resource", () => {
    expect(() => poolChartSvg({ ...SOLO, pool: "" })).toThrow(
      'PoolChart.pool is ""; pass the pool\'s name (it titles the chart).',
    );
    expect(() => poolChartSvg({ ...SOLO, resource: "" })).toThrow(
      'PoolChart "gpu": resource is ""; pass the resource counted, e.g. "nvidia.com/gpu".',
    );
  });
});
