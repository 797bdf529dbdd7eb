/** Exports: standalone SVG, PNG, results as JSON (the CLI's schema) and CSV. */
import type { ReadResult } from '../read/schema.ts';
import { csvCell } from '../format/csv.ts';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n';

/** A figure as a standalone SVG file (the builders already inline every style). */
export function standaloneSvg(svg: string): string {
  return svg.startsWith('<?xml') ? svg : XML_DECLARATION + svg;
}

/** The read exactly as the CLI prints it (`deadscope.read/1`). */
export function resultJson(r: ReadResult): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export const CSV_COLUMNS = [
  'id', 'detector', 'layer', 'unit', 'tensors', 'predictedK', 'class', 'path', 'k', 'kRounded', 'lambda', 'ratio',
  'windowStart', 'windowEnd', 'fLive', 'reason', 'notEnumerable',
] as const;

export { csvCell };

/**
 * One row per direction (scans are in the JSON export); `notEnumerable` says why the global
 * assembly (METHOD §6) could not place the direction, empty where it could.
 */
export function resultCsv(r: Pick<ReadResult, 'directions' | 'global'>): string {
  const lines = [CSV_COLUMNS.join(',')];
  const missing = new Map((r.global?.notEnumerable ?? []).map((x) => [x.id, x.why]));
  for (const d of r.directions) {
    lines.push([
      d.id, d.detector, d.layer, d.unit, d.tensors.join(';'), d.predictedK, d.class, d.path, d.k, d.kRounded, d.lambda, d.ratio,
      d.window?.[0] ?? null, d.window?.[1] ?? null, d.fLive, d.reason, missing.get(d.id) ?? null,
    ].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** File-name-safe stem of a checkpoint name. */
export function fileStem(name: string): string {
  return name.replace(/\.safetensors$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'checkpoint';
}

export function download(content: Blob | string, fileName: string, type = 'application/octet-stream'): void {
  const blob = typeof content === 'string' ? new Blob([content], { type }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Rasterise a standalone SVG at `scale`× its size (white background, the page's fonts). */
export async function svgToPng(svg: string, scale = 2): Promise<Blob> {
  const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  const w = m ? Number(m[1]) : 800, h = m ? Number(m[2]) : 600;
  const url = URL.createObjectURL(new Blob([standaloneSvg(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.decoding = 'sync';
    await new Promise<void>((res, rej) => { img.onload = () => res(); img.onerror = () => rej(new Error('the SVG could not be rasterised')); img.src = url; });
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((res, rej) => canvas.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
