/**
 * The bar chart of `bun run bench:vs-flink` as a standalone SVG: per query and parallelism, Bicycle's
 * and Flink's median events/s side by side on a logarithmic axis (the two differ by up to tens of
 * times), each bar labelled with its value and each pair with the ratio.
 */
import { formatRate } from "../stats.ts";

export interface ChartRow {
  readonly label: string;
  readonly bicycle: number;
  readonly flink: number;
}

const esc = (s: string): string => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

export function barChartSvg(rows: readonly ChartRow[], title: string, subtitle: string): string {
  const labelW = 150;
  const plotW = 560;
  const barH = 14;
  const groupH = barH * 2 + 14;
  const top = 70;
  const height = top + rows.length * groupH + 40;
  const width = labelW + plotW + 150;
  const values = rows.flatMap((r) => [r.bicycle, r.flink]).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1e4)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, 1e5)));
  const x = (v: number): number => (v <= lo ? 0 : ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="600">${esc(title)}</text>`);
  out.push(`<text x="16" y="44" fill="#667085">${esc(subtitle)}</text>`);
  out.push(`<rect x="${labelW + plotW - 170}" y="52" width="10" height="10" fill="#2f6fdb"/><text x="${labelW + plotW - 155}" y="61">Bicycle</text>`);
  out.push(`<rect x="${labelW + plotW - 95}" y="52" width="10" height="10" fill="#e6522c"/><text x="${labelW + plotW - 80}" y="61">Apache Flink</text>`);
  for (let d = lo; d <= hi; d *= 10) {
    const gx = labelW + x(d);
    out.push(`<line x1="${gx}" y1="${top - 4}" x2="${gx}" y2="${top + rows.length * groupH}" stroke="#e3e7ee"/>`);
    out.push(`<text x="${gx}" y="${top + rows.length * groupH + 16}" text-anchor="middle" fill="#667085">${formatRate(d)}/s</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * groupH;
    out.push(`<text x="${labelW - 8}" y="${y + barH + 4}" text-anchor="end" font-weight="600">${esc(r.label)}</text>`);
    out.push(`<rect x="${labelW}" y="${y}" width="${x(r.bicycle).toFixed(1)}" height="${barH}" fill="#2f6fdb"/>`);
    out.push(`<text x="${labelW + x(r.bicycle) + 4}" y="${y + barH - 3}">${formatRate(r.bicycle)}</text>`);
    out.push(`<rect x="${labelW}" y="${y + barH + 2}" width="${x(r.flink).toFixed(1)}" height="${barH}" fill="#e6522c"/>`);
    out.push(`<text x="${labelW + x(r.flink) + 4}" y="${y + 2 * barH - 1}">${formatRate(r.flink)}</text>`);
    const ratio = r.flink > 0 ? r.bicycle / r.flink : 0;
    out.push(`<text x="${labelW + plotW + 70}" y="${y + barH + 4}" font-weight="600">${ratio.toFixed(2)}×</text>`);
  });
  out.push(`</svg>`);
  return `${out.join("\n")}\n`;
}
