// A hand-written SVG chart: throughput (ticks/s per second) on top, ack latency (ms) below, one
// colour per series. No chart library: polylines on a linear grid with "nice" tick steps.
export interface Series {
  name: string;
  /** y per second (null = no data) */
  points: (number | null)[];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  unit: string;
  series: Series[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const W = 1000;
const PH = 230; // panel height
const M = { l: 70, r: 250, t: 30, b: 30 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function niceStep(max: number, ticks = 5): number {
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

const label = (v: number) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(Math.round(v * 100) / 100));

function panel(p: Panel, y0: number, xMax: number, colorOffset: number): string {
  const h = PH - M.t - M.b;
  const w = W - M.l - M.r;
  const yMaxRaw = Math.max(1e-9, ...p.series.flatMap((s) => s.points.filter((v): v is number => v !== null)));
  const step = niceStep(yMaxRaw);
  const yMax = Math.ceil(yMaxRaw / step) * step;
  const X = (t: number) => M.l + (t / Math.max(1, xMax)) * w;
  const Y = (v: number) => y0 + M.t + h - (v / yMax) * h;
  const out: string[] = [];
  out.push(`<text x="${M.l}" y="${y0 + 18}" font-size="14" font-weight="bold">${esc(p.title)} (${esc(p.unit)})</text>`);
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    out.push(`<line x1="${M.l}" x2="${M.l + w}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.l - 6}" y="${Y(v) + 4}" font-size="11" text-anchor="end">${label(v)}</text>`);
  }
  const xStep = niceStep(xMax, 10);
  for (let t = 0; t <= xMax; t += xStep) {
    out.push(`<line x1="${X(t)}" x2="${X(t)}" y1="${y0 + M.t}" y2="${y0 + M.t + h}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${X(t)}" y="${y0 + M.t + h + 15}" font-size="11" text-anchor="middle">${t}s</text>`);
  }
  out.push(`<rect x="${M.l}" y="${y0 + M.t}" width="${w}" height="${h}" fill="none" stroke="#999"/>`);
  p.series.forEach((s, i) => {
    const color = COLORS[(i + colorOffset) % COLORS.length];
    // Break the line where there is no data.
    const runs: string[][] = [[]];
    s.points.forEach((v, t) => {
      if (v === null) runs.push([]);
      else runs[runs.length - 1].push(`${X(t + 0.5).toFixed(1)},${Y(v).toFixed(1)}`);
    });
    for (const r of runs) {
      if (r.length === 1) out.push(`<circle cx="${r[0].split(",")[0]}" cy="${r[0].split(",")[1]}" r="2" fill="${color}"/>`);
      else if (r.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ""} points="${r.join(" ")}"/>`);
    }
    const ly = y0 + M.t + 10 + i * 18;
    out.push(`<line x1="${W - M.r + 12}" x2="${W - M.r + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ""}/>`);
    out.push(`<text x="${W - M.r + 42}" y="${ly + 4}" font-size="11">${esc(s.name)}</text>`);
  });
  return out.join("\n");
}

export function chart(title: string, panels: Panel[]): string {
  const xMax = Math.max(1, ...panels.flatMap((p) => p.series.map((s) => s.points.length)));
  const H = 30 + panels.length * PH;
  const body = panels.map((p, i) => panel(p, 30 + i * PH, xMax, 0)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="20" font-size="15" text-anchor="middle">${esc(title)}</text>
${body}
</svg>
`;
}
