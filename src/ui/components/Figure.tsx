/**
 * A figure card: the SVG of a figure model, rendered once per data change; hover swaps only its
 * focus layers and marks the focused direction (`data-focused`, styled in CSS), so linking stays
 * fast with hundreds of curves. Pointer events are delegated to `data-direction-id` marks
 * (hover highlights everywhere, click pins). SVG / PNG export buttons build the standalone file.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import { setHovered, setState, togglePinned } from '../../state/store.ts';
import { download, standaloneSvg, svgToPng } from '../export.ts';
import type { FigureId, FigureModel, FigureSize, FigureView } from '../figures/index.ts';

export interface FigureProps {
  id: FigureId;
  caption: string;
  /** the figure model for a size and view (memoise it on the data) */
  model: (size: FigureSize, view?: FigureView) => FigureModel;
  /** the model's focus key (a direction id; for the heatmap, the focused direction's layer) */
  focus: string | null;
  /** the direction to mark in this figure's marks */
  focusDirection: string | null;
  /** the focus key the export uses (the pinned direction, not the hovered one) */
  exportFocus: string | null;
  height: number;
  fileStem: string;
  empty?: string | null;
  /** figure-specific controls shown beside the export buttons (the heatmap's r) */
  controls?: React.ReactNode;
  /** the directions drawn, in order: the keyboard walks them (arrow keys) with the same hover/pin as the mouse */
  directionIds?: readonly string[];
}

/** Where the tooltip of a keyboard-focused direction goes: beside its mark, else the figure's corner. */
function markAnchor(host: HTMLElement, id: string): { x: number; y: number } {
  const marks = Array.from(host.querySelectorAll('[data-direction-id]')).filter((m) => m.getAttribute('data-direction-id') === id && !m.hasAttribute('data-hit'));
  const r = (marks[0] ?? host).getBoundingClientRect();
  return { x: r.right, y: marks[0] ? r.top + r.height / 2 : r.top + 40 };
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

/** Apply a focus to a rendered figure: swap its focus layers, mark (and raise) the focused marks. */
export function applyFocus(svg: SVGSVGElement, layers: { under: string; over: string }, direction: string | null): void {
  const under = svg.querySelector('g[data-layer="under"]');
  const over = svg.querySelector('g[data-layer="over"]');
  if (under) under.innerHTML = layers.under;
  if (over) over.innerHTML = layers.over;
  for (const el of Array.from(svg.querySelectorAll('[data-focused]'))) el.removeAttribute('data-focused');
  let found = false;
  if (direction !== null) {
    for (const el of Array.from(svg.querySelectorAll('[data-direction-id]'))) {
      if (el.getAttribute('data-direction-id') !== direction) continue;
      el.setAttribute('data-focused', '');
      el.parentNode?.appendChild(el); // on top of the others
      found = true;
    }
  }
  if (found) svg.setAttribute('data-has-focus', ''); else svg.removeAttribute('data-has-focus');
}

export function Figure({ id, caption, model, focus, focusDirection, exportFocus, height, fileStem, empty, controls, directionIds }: FigureProps) {
  const host = useRef<HTMLDivElement>(null);
  const svgHost = useRef<HTMLDivElement>(null);
  const width = useWidth(host);
  const whole = useMemo(() => (width > 0 && !empty ? model({ width, height }) : null), [model, width, height, empty]);
  // a zoomable figure (the rate plot's y-range): d3-zoom on the host drives the y-range shown
  const [yDomain, setYDomain] = useState<[number, number] | null>(null);
  const view = useMemo((): FigureView => (yDomain ? { yDomain } : {}), [yDomain]);
  const fm = useMemo(() => (whole && yDomain ? model({ width, height }, view) : whole), [whole, yDomain, model, width, height, view]);
  const base = useMemo(() => (fm ? fm.svg({ interactive: true }) : ''), [fm]);
  const zoomer = useRef<ZoomBehavior<HTMLDivElement, unknown> | null>(null);
  const zoomY = whole?.zoomY;
  useEffect(() => {
    const el = host.current;
    if (!el || !zoomY) { zoomer.current = null; setYDomain(null); return; }
    const { scale, box, maxScale } = zoomY;
    const behaviour = zoom<HTMLDivElement, unknown>()
      .scaleExtent([1, maxScale])
      .extent([[box.x0, box.y0], [box.x1, box.y1]])
      .translateExtent([[-1e9, box.y0], [1e9, box.y1]])
      // d3's default multiplies Ctrl+wheel by 10 (a trackpad pinch's small deltas): a mouse notch would jump 4×
      .wheelDelta((e: WheelEvent) => -e.deltaY * (e.deltaMode === 1 ? 0.05 : e.deltaMode ? 1 : 0.004))
      // the wheel zooms only with Ctrl/⌘ (a trackpad pinch) and touch is left to the page: a plain wheel or a swipe scrolls;
      // a mouse drag pans (the buttons and keys do the rest)
      .filter((e: Event) => (e.type === 'wheel' ? (e as WheelEvent).ctrlKey || (e as WheelEvent).metaKey : e.type === 'mousedown' && !(e as MouseEvent).button))
      .on('zoom', (e: { transform: typeof zoomIdentity }) => {
        const t = e.transform;
        setYDomain(t.k === 1 && Math.abs(t.y) < 1e-9 ? null : (t.rescaleY(scale).domain() as [number, number]));
      });
    const sel = select(el);
    sel.call(behaviour).call(behaviour.transform, zoomIdentity);
    zoomer.current = behaviour;
    return () => { sel.on('.zoom', null); zoomer.current = null; };
  }, [zoomY]);
  /** zoom the y-range by a factor (about the middle), pan it by a share of the plot's height, or reset it */
  const zoomBy = (k: number) => { if (zoomer.current && host.current) select(host.current).call(zoomer.current.scaleBy, k); };
  const panBy = (share: number) => {
    if (zoomer.current && host.current && zoomY) select(host.current).call(zoomer.current.translateBy, 0, share * (zoomY.box.y1 - zoomY.box.y0));
  };
  const zoomReset = () => { if (zoomer.current && host.current) select(host.current).call(zoomer.current.transform, zoomIdentity); };
  const [busy, setBusy] = useState(false);
  /** the direction the keyboard is on (it is also the hovered one while the figure has focus) */
  const keyed = useRef<string | null>(null);
  /**
   * A pointer press focuses the figure too: that focus must not put the keyboard on the first
   * direction (raising its mark under the pointer would take the click away from the mark pressed).
   */
  const pressed = useRef(false);

  const keyTo = (next: string) => {
    keyed.current = next;
    setHovered(next, host.current ? markAnchor(host.current, next) : null);
  };
  const onKey = (e: React.KeyboardEvent<HTMLDivElement>) => {
    if (zoomY && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const act = e.key === '+' || e.key === '=' ? () => zoomBy(1.5) : e.key === '-' || e.key === '_' ? () => zoomBy(1 / 1.5)
        : e.key === '0' ? zoomReset : e.key === 'PageUp' ? () => panBy(0.25) : e.key === 'PageDown' ? () => panBy(-0.25) : null;
      if (act) { e.preventDefault(); act(); return; }
    }
    const ids = directionIds ?? [];
    if (!ids.length) return;
    const at = keyed.current === null ? -1 : ids.indexOf(keyed.current);
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); keyTo(ids[(at + 1) % ids.length]); }
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); keyTo(ids[at <= 0 ? ids.length - 1 : at - 1]); }
    else if (e.key === 'Home') { e.preventDefault(); keyTo(ids[0]); }
    else if (e.key === 'End') { e.preventDefault(); keyTo(ids[ids.length - 1]); }
    else if ((e.key === 'Enter' || e.key === ' ') && keyed.current) { e.preventDefault(); togglePinned(keyed.current); }
  };
  const keyboard = (!!directionIds?.length || !!zoomY) && !empty;

  useLayoutEffect(() => {
    const svg = svgHost.current?.querySelector('svg');
    if (svg && fm) applyFocus(svg, fm.layers(focus), focusDirection);
  }, [fm, base, focus, focusDirection]);

  useEffect(() => () => setHovered(null), []);

  const exportSvg = () => {
    const size = { width: Math.max(560, width || 720), height };
    // the export shows what the page shows (a zoomed y-range included)
    return (size.width === width && fm ? fm : model(size, view)).svg({ focus: exportFocus });
  };
  const onSvg = () => download(standaloneSvg(exportSvg()), `${fileStem}-${id}.svg`, 'image/svg+xml');
  const onPng = async () => {
    setBusy(true);
    try {
      download(await svgToPng(exportSvg(), 2), `${fileStem}-${id}.png`, 'image/png');
    } catch (e) {
      setState({ error: { title: 'PNG export failed', message: String(e) } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card figure" aria-label={caption}>
      <div className="figure-actions">
        {controls}
        {zoomY ? (
          <span className="figure-zoom" role="group" aria-label="zoom the y-range">
            <button type="button" className="btn small ghost" data-testid={`zoom-in-${id}`} onClick={() => zoomBy(1.5)} title="Zoom into the y-range (key +; Ctrl/⌘ + wheel or drag on the plot)" aria-label="zoom in on the y-range">y+</button>
            <button type="button" className="btn small ghost" data-testid={`zoom-out-${id}`} onClick={() => zoomBy(1 / 1.5)} disabled={!yDomain} title="Zoom out of the y-range (key −)" aria-label="zoom out of the y-range">y−</button>
            <button type="button" className="btn small ghost" data-testid={`zoom-reset-${id}`} onClick={zoomReset} disabled={!yDomain} title="Show the whole y-range (key 0)" aria-label="show the whole y-range">y 1:1</button>
          </span>
        ) : null}
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
        tabIndex={keyboard ? 0 : undefined}
        role={keyboard ? 'group' : undefined}
        aria-label={keyboard ? `${caption}: ${directionIds?.length ?? 0} directions; arrow keys move between them, Enter pins, Escape unpins`
          + (zoomY ? '; + and − zoom the y-range, Page Up and Page Down move it, 0 shows all of it' : '') : undefined}
        aria-describedby={keyboard ? `${id}-focused` : undefined}
        onKeyDown={keyboard ? onKey : undefined}
        onPointerDown={() => { pressed.current = true; }}
        onPointerUp={() => { pressed.current = false; }}
        onFocus={(e) => {
          const byPointer = pressed.current;
          pressed.current = false;
          if (keyboard && !byPointer && directionIds?.length && e.target === e.currentTarget) keyTo(keyed.current && directionIds!.includes(keyed.current) ? keyed.current : directionIds![0]);
        }}
        onBlur={(e) => { if (keyboard && e.target === e.currentTarget) setHovered(null); }}
        onMouseOver={(e) => { const d = directionAt(e.target); if (d) setHovered(d, { x: e.clientX, y: e.clientY }); }}
        onMouseMove={(e) => { const d = directionAt(e.target); if (d) setHovered(d, { x: e.clientX, y: e.clientY }); }}
        onMouseOut={(e) => { if (directionAt(e.target) && !directionAt(e.relatedTarget)) setHovered(null); }}
        onClick={(e) => { const d = directionAt(e.target); if (d) togglePinned(d); }}
      >
        {empty ? <div className="figure-empty" style={{ height }}>{empty}</div>
          : <div ref={svgHost} className="figure-svg" dangerouslySetInnerHTML={{ __html: base }} />}
        {keyboard ? <span id={`${id}-focused`} className="sr-only" aria-live="polite">{focusDirection ?? ''}</span> : null}
      </div>
    </section>
  );
}
