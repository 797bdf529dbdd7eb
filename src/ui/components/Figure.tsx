/**
 * A figure card: the SVG from a pure builder, pointer events delegated to `data-direction-id`
 * marks (hover highlights everywhere, click pins), and its SVG / PNG export buttons.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { setHovered, togglePinned, setState } from '../../state/store.ts';
import { download, standaloneSvg, svgToPng } from '../export.ts';
import type { FigureId, FigureSize } from '../figures/index.ts';

export interface FigureProps {
  id: FigureId;
  /** the figure for the page (focus = hovered or pinned; interactive hit areas) */
  build: (size: FigureSize) => string;
  /** the figure as exported (focus = pinned only; no hit areas) */
  buildExport: (size: FigureSize) => string;
  height: number;
  fileStem: string;
  caption?: ReactNode;
  empty?: string | null;
}

function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [w, setW] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setW(Math.floor(el.getBoundingClientRect().width));
    const ro = new ResizeObserver((entries) => {
      for (const e of entries) setW(Math.floor(e.contentRect.width));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return w;
}

function directionAt(target: EventTarget | null): string | null {
  const el = target instanceof Element ? target.closest('[data-direction-id]') : null;
  return el ? el.getAttribute('data-direction-id') : null;
}

export function Figure({ id, build, buildExport, height, fileStem, caption, empty }: FigureProps) {
  const host = useRef<HTMLDivElement>(null);
  const width = useWidth(host);
  const svg = useMemo(() => (width > 0 && !empty ? build({ width, height }) : ''), [build, width, height, empty]);
  const [busy, setBusy] = useState(false);

  useEffect(() => () => setHovered(null), []);

  const exportSize = (): FigureSize => ({ width: Math.max(560, width || 720), height });
  const onSvg = () => download(standaloneSvg(buildExport(exportSize())), `${fileStem}-${id}.svg`, 'image/svg+xml');
  const onPng = async () => {
    setBusy(true);
    try {
      download(await svgToPng(buildExport(exportSize()), 2), `${fileStem}-${id}.png`, 'image/png');
    } catch (e) {
      setState({ error: { title: 'PNG export failed', message: String(e) } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card figure" aria-label={typeof caption === 'string' ? caption : id}>
      <div className="figure-actions">
          <button type="button" className="btn small ghost" data-testid={`export-svg-${id}`} onClick={onSvg} disabled={!!empty}
            title="Download this figure as a standalone SVG (opens in browsers and Inkscape)">SVG</button>
          <button type="button" className="btn small ghost" data-testid={`export-png-${id}`} onClick={onPng} disabled={!!empty || busy}
            title="Download this figure as a 2× PNG">PNG</button>
      </div>
      <div
        ref={host}
        className="figure-host"
        style={{ minHeight: height }}
        data-testid={id}
        onMouseOver={(e) => { const d = directionAt(e.target); if (d) { setHovered(d, { x: e.clientX, y: e.clientY }); } }}
        onMouseMove={(e) => { const d = directionAt(e.target); if (d) setHovered(d, { x: e.clientX, y: e.clientY }); }}
        onMouseOut={(e) => { if (directionAt(e.target) && !directionAt(e.relatedTarget)) setHovered(null); }}
        onClick={(e) => { const d = directionAt(e.target); if (d) togglePinned(d); }}
      >
        {empty ? <div className="figure-empty" style={{ height }}>{empty}</div>
          : <div className="figure-svg" dangerouslySetInnerHTML={{ __html: svg }} />}
      </div>
    </section>
  );
}
