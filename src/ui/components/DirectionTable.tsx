/**
 * Figure 5 — every candidate direction: sortable, filterable by class, detector, layer, block and head. Rows are
 * focusable; hovering or focusing a row highlights the direction in every figure, Enter pins
 * it, Escape unpins, arrow keys move between rows.
 */
import { useMemo, useState, type KeyboardEvent } from 'react';
import type { DirectionClass, DirectionResult } from '../../read/schema.ts';
import {
  activeCheckpoint, directionsOf, filterActive, filterDirections, NO_FILTER, setHovered, setState, togglePinned, useStore, type SortKey,
} from '../../state/store.ts';
import { blocksOf } from '../blocks.ts';
import { CLASSES, CLASS_COLOURS, CLASS_DOCS, CLASS_LABELS } from '../theme.ts';
import { fmtFixed, fmtNum, fmtWindow } from '../format.ts';

const COLUMNS: Array<{ key: SortKey | null; label: string; title: string; num?: boolean }> = [
  { key: 'id', label: 'direction', title: 'direction id (as in the JSON export)' },
  { key: 'detector', label: 'detector', title: 'the detector that proposed the direction (METHOD §4)' },
  { key: 'layer', label: 'layer', title: 'layer (and unit) the direction lives in' },
  { key: 'class', label: 'class', title: 'classification (METHOD §3)' },
  { key: 'k', label: 'k̂ read', title: 'order read on the asymptotic window: 1 + α/2 (live and singular directions)', num: true },
  { key: 'kRounded', label: 'k rounded', title: 'k̂ rounded to an integer: the order λ = 1/(2k) uses', num: true },
  { key: 'predictedK', label: 'k pred.', title: 'the order the architecture predicts', num: true },
  { key: 'lambda', label: 'λ', title: 'per-direction learning coefficient 1/(2k)', num: true },
  { key: 'nu', label: 'ν(k)', title: 'singular fluctuation ν(k) of the order-k cell (METHOD §7), live and singular directions', num: true },
  { key: 'ratio', label: 'F/F_live', title: 'ratio to the live reference (largest along the path for gauges)', num: true },
  { key: null, label: 'window t', title: 'the asymptotic window' },
];

function sortValue(d: DirectionResult, key: Exclude<SortKey, 'order'>): string | number | null {
  switch (key) {
    case 'id': return d.id;
    case 'layer': return `${d.layer}\u0000${String(d.unit ?? -1).padStart(8, '0')}`;
    case 'detector': return d.detector;
    case 'class': return CLASSES.indexOf(d.class);
    default: return d[key] ?? null;
  }
}

export function compareDirections(key: Exclude<SortKey, 'order'>, dir: 1 | -1) {
  return (a: DirectionResult, b: DirectionResult): number => {
    const va = sortValue(a, key), vb = sortValue(b, key);
    if (va === null && vb === null) return 0;
    if (va === null) return 1; // nulls last either way
    if (vb === null) return -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), 'en', { numeric: true });
    return c * dir;
  };
}

const ROW_LIMIT = 400;

/**
 * Only live and singular directions contribute an order to λ; a flat, gauge or inactive direction
 * has λ 0 by its class, and a slope read on its line (k̂ ≈ 1 of a constant F) is not an order.
 */
export function hasOrder(d: DirectionResult): boolean {
  return d.class === 'live' || d.class === 'singular';
}
const NO_ORDER_TITLE = 'no order: this class contributes λ 0 (or none), whatever the line’s slope';

export function DirectionTable() {
  const active = useStore(activeCheckpoint);
  const filter = useStore((s) => s.filter);
  const sort = useStore((s) => s.sort);
  const hovered = useStore((s) => s.hovered);
  const pinned = useStore((s) => s.pinned);
  const [showAll, setShowAll] = useState(false);
  const all = directionsOf(active);

  const detectors = useMemo(() => [...new Set(all.map((d) => d.detector))], [all]);
  const layers = useMemo(() => [...new Set(all.map((d) => d.layer))], [all]);
  const blocks = useMemo(() => (all.some((d) => d.block !== undefined || d.head !== undefined) ? blocksOf(all) : []), [all]);
  const heads = useMemo(() => [...new Set(all.flatMap((d) => (d.head === undefined ? [] : [d.head])))].sort((a, b) => a - b), [all]);
  const counts = useMemo(() => {
    const m = new Map<DirectionClass, number>();
    for (const d of all) m.set(d.class, (m.get(d.class) ?? 0) + 1);
    return m;
  }, [all]);

  const rows = useMemo(() => {
    const kept = filterDirections(all, filter);
    if (sort.key === 'order') return sort.dir === 1 ? kept : kept.reverse();
    return kept.sort(compareDirections(sort.key, sort.dir));
  }, [all, filter, sort]);

  const toggleClass = (c: DirectionClass) => setState((s) => ({
    filter: { ...s.filter, classes: s.filter.classes.includes(c) ? s.filter.classes.filter((x) => x !== c) : [...s.filter.classes, c] },
  }));
  const setSort = (key: SortKey) => setState((s) => ({ sort: { key, dir: s.sort.key === key ? (s.sort.dir === 1 ? -1 : 1) : 1 } }));

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, d: DirectionResult) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); togglePinned(d.id); }
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling) as HTMLElement | null;
      next?.focus();
    }
  };
  const anchorOf = (el: HTMLElement) => {
    const r = el.getBoundingClientRect();
    return { x: Math.min(r.left + 420, r.right - 320), y: r.bottom - 4 };
  };

  const shown = showAll ? rows : rows.slice(0, ROW_LIMIT);

  return (
    <section className="card" aria-labelledby="directions-title">
      <header className="card-head">
        <h3 id="directions-title">Directions <span className="muted">{rows.length === all.length ? all.length : `${rows.length} of ${all.length}`}</span></h3>
      </header>
      <div className="table-tools">
        <div className="chips" role="group" aria-label="filter by class">
          {CLASSES.filter((c) => counts.get(c)).map((c) => (
            <button key={c} type="button" className={`chip ${filter.classes.includes(c) ? 'on' : ''}`} aria-pressed={filter.classes.includes(c)}
              onClick={() => toggleClass(c)} title={CLASS_DOCS[c]} data-class={c}>
              <span className="swatch" style={{ background: CLASS_COLOURS[c] }} />{CLASS_LABELS[c]} <span className="muted">{counts.get(c)}</span>
            </button>
          ))}
        </div>
        <select aria-label="filter by detector" value={filter.detectors[0] ?? ''}
          onChange={(e) => setState((s) => ({ filter: { ...s.filter, detectors: e.target.value ? [e.target.value] : [] } }))}>
          <option value="">all detectors</option>
          {detectors.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
        <select aria-label="filter by layer" data-testid="filter-layer" value={filter.layers[0] ?? ''}
          onChange={(e) => setState((s) => ({ filter: { ...s.filter, layers: e.target.value ? [e.target.value] : [] } }))}>
          <option value="">all layers</option>
          {layers.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
        {blocks.length > 1 ? (
          <select aria-label="filter by block" data-testid="filter-block" value={filter.blocks[0] ?? ''}
            onChange={(e) => setState((s) => ({ filter: { ...s.filter, blocks: e.target.value ? [e.target.value] : [] } }))}>
            <option value="">all blocks</option>
            {blocks.map((b) => <option key={b} value={b}>{b}</option>)}
          </select>
        ) : null}
        {heads.length ? (
          <select aria-label="filter by attention head" data-testid="filter-head" value={filter.heads[0] ?? ''}
            onChange={(e) => setState((s) => ({ filter: { ...s.filter, heads: e.target.value === '' ? [] : [Number(e.target.value)] } }))}>
            <option value="">all heads</option>
            {heads.map((h) => <option key={h} value={h}>head {h}</option>)}
          </select>
        ) : null}
        <input type="search" placeholder="search id, layer, tensor…" aria-label="search directions" value={filter.text}
          onChange={(e) => setState((s) => ({ filter: { ...s.filter, text: e.target.value } }))} />
        {filterActive(filter) ? <button type="button" className="btn small ghost" onClick={() => setState({ filter: { ...NO_FILTER } })}
          title="The figures draw the filtered directions too">Clear filter</button> : null}
      </div>
      <div className="table-scroll">
        <table className="grid directions" aria-rowcount={rows.length}>
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.label} className={c.num ? 'num' : ''} title={c.title}
                  aria-sort={c.key && sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : undefined}>
                  {c.key ? <button type="button" className="sort" onClick={() => setSort(c.key!)}>
                    {c.label}{sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}
                  </button> : c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody onMouseLeave={() => setHovered(null)}>
            {shown.map((d) => (
              <tr key={d.id} data-testid="direction-row" data-direction-id={d.id} tabIndex={0}
                className={`${hovered === d.id ? 'hl' : ''} ${pinned === d.id ? 'pinned' : ''}`}
                aria-selected={pinned === d.id}
                onMouseEnter={(e) => setHovered(d.id, anchorOf(e.currentTarget))}
                onFocus={(e) => setHovered(d.id, anchorOf(e.currentTarget))}
                onBlur={() => setHovered(null)}
                onClick={() => togglePinned(d.id)}
                onKeyDown={(e) => onRowKey(e, d)}>
                <td className="mono">{d.id}</td>
                <td>{d.detector}</td>
                <td className="mono">{d.layer}{d.unit !== null ? <span className="muted">:{d.unit}</span> : null}{d.head !== undefined ? <span className="muted"> head {d.head}</span> : null}</td>
                <td><span className="swatch" style={{ background: CLASS_COLOURS[d.class] }} />{d.class}</td>
                <td className="num" title={hasOrder(d) ? undefined : NO_ORDER_TITLE}>{hasOrder(d) ? fmtFixed(d.k, 2) : '—'}</td>
                <td className="num" title={hasOrder(d) ? undefined : NO_ORDER_TITLE}>{hasOrder(d) ? d.kRounded ?? '—' : '—'}</td>
                <td className="num">{d.predictedK ?? '—'}</td>
                <td className="num">{fmtFixed(d.lambda, 3)}</td>
                <td className="num" title={hasOrder(d) ? undefined : NO_ORDER_TITLE}>{hasOrder(d) ? fmtFixed(d.nu, 3) : '—'}</td>
                <td className="num">{fmtNum(d.ratio)}</td>
                <td className="num">{fmtWindow(d.window)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length > ROW_LIMIT && !showAll
          ? <button type="button" className="btn small ghost" onClick={() => setShowAll(true)}>Show all {rows.length} rows</button> : null}
        {all.length === 0 ? <p className="muted pad">No directions yet.</p> : null}
      </div>
    </section>
  );
}
