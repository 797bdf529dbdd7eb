/**
 * Compare the open checkpoints direction by direction: the same direction id's rate and slope
 * plots overlaid across checkpoints, and a table of k̂ and class per checkpoint (rows where the
 * class or the rounded order differs first). Checkpoints with the same bytes are open once.
 */
import { useCallback, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { DirectionResult } from '../../read/schema.ts';
import { directionsOf, focusId, setHovered, togglePinned, useStore, type LoadedCheckpoint } from '../../state/store.ts';
import { comparePlotModel, compareColour } from '../figures/compare-plot.ts';
import type { FigureSize } from '../figures/index.ts';
import { fmtFixed } from '../format.ts';
import { CLASS_COLOURS } from '../theme.ts';
import { hasOrder } from './DirectionTable.tsx';
import { Figure } from './Figure.tsx';

export interface DirectionDiff {
  id: string;
  /** per checkpoint, in order: the direction or null when that checkpoint has no such id */
  cells: Array<DirectionResult | null>;
  /** the class or the rounded order differs between checkpoints that have the id */
  differs: boolean;
  /** k̂ in the last checkpoint that reads an order for the id minus k̂ in the first (null under two) */
  deltaK: number | null;
}

/** Direction ids over the checkpoints (first appearance order), with whether their reading differs. */
export function directionDiffs(lists: ReadonlyArray<readonly DirectionResult[]>): DirectionDiff[] {
  const maps = lists.map((ds) => new Map(ds.map((d) => [d.id, d])));
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const ds of lists) for (const d of ds) if (!seen.has(d.id)) { seen.add(d.id); ids.push(d.id); }
  return ids.map((id) => {
    const cells = maps.map((m) => m.get(id) ?? null);
    const present = cells.filter((c): c is DirectionResult => c !== null);
    const sig = (d: DirectionResult) => `${d.class}:${hasOrder(d) ? d.kRounded : ''}`;
    const differs = present.length < cells.length || new Set(present.map(sig)).size > 1;
    const ordered = present.filter((d) => hasOrder(d) && d.k !== null);
    const deltaK = ordered.length >= 2 ? ordered[ordered.length - 1].k! - ordered[0].k! : null;
    return { id, cells, differs, deltaK };
  });
}

const ROW_LIMIT = 200;

export function Compare() {
  const read = useStore(useShallow((s) => s.checkpoints.filter((c) => c.result || c.partial.length)));
  const focus = useStore(focusId);
  const pinned = useStore((s) => s.pinned);
  const [onlyDiffering, setOnlyDiffering] = useState(true);
  const lists = useMemo(() => read.map((c) => directionsOf(c)), [read]);
  const diffs = useMemo(() => directionDiffs(lists), [lists]);
  const differing = diffs.filter((d) => d.differs);
  const chosen = focus && diffs.some((d) => d.id === focus) ? focus : differing[0]?.id ?? diffs[0]?.id ?? null;
  const input = useMemo(() => (chosen ? {
    id: chosen,
    series: read.map((c: LoadedCheckpoint, i) => ({ name: c.name, direction: lists[i].find((d) => d.id === chosen) ?? null })),
  } : null), [chosen, read, lists]);
  const rate = useCallback((s: FigureSize) => comparePlotModel(input!, s, 'rate'), [input]);
  const slope = useCallback((s: FigureSize) => comparePlotModel(input!, s, 'slope'), [input]);
  if (read.length < 2) return null;
  const rows = (onlyDiffering ? differing : diffs);
  return (
    <section className="card compare-view" aria-labelledby="compare-title" data-testid="compare-view">
      <header className="card-head">
        <h3 id="compare-title">Compare <span className="muted">— {read.length} checkpoints · {differing.length} of {diffs.length} directions read differently</span></h3>
      </header>
      <p className="small muted">The same direction id in each checkpoint{chosen ? <>: <span className="mono">{chosen}</span></> : null}{focus ? '' : ' (hover or pin a row to choose another)'}.</p>
      {input ? (
        <div className="figures two">
          <Figure id="compare-rate-plot" caption="Rate plot across checkpoints" model={rate} height={320} focus={null} focusDirection={null} exportFocus={null} fileStem={`compare-${chosen}`} />
          <Figure id="compare-slope-plot" caption="Local slope across checkpoints" model={slope} height={320} focus={null} focusDirection={null} exportFocus={null} fileStem={`compare-${chosen}`} />
        </div>
      ) : null}
      <div className="table-tools">
        <label className="small"><input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} /> only directions read differently</label>
      </div>
      <div className="table-scroll">
        <table className="grid compact" data-testid="compare-directions" aria-label="k̂ and class per checkpoint">
          <thead>
            <tr><th>direction</th>{read.map((c, i) => <th key={c.key} colSpan={2}><span className="swatch" style={{ background: compareColour(i) }} />{c.name.replace(/\.safetensors$/i, '')}</th>)}<th /></tr>
            <tr><th />{read.map((c) => [<th key={`${c.key}c`}>class</th>, <th key={`${c.key}k`} className="num">k̂ read</th>])}
              <th className="num" title="k̂ in the last checkpoint that reads an order for this direction minus k̂ in the first">Δk̂</th></tr>
          </thead>
          <tbody onMouseLeave={() => setHovered(null)}>
            {rows.slice(0, ROW_LIMIT).map((r) => (
              <tr key={r.id} data-direction-id={r.id} tabIndex={0} className={`${r.differs ? 'differs' : ''} ${pinned === r.id ? 'pinned' : ''}`}
                onMouseEnter={() => setHovered(r.id)} onFocus={() => setHovered(r.id)} onClick={() => togglePinned(r.id)}
                onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); togglePinned(r.id); } }}>
                <td className="mono">{r.id}</td>
                {r.cells.map((d, i) => d ? [
                  <td key={`${i}c`}><span className="swatch" style={{ background: CLASS_COLOURS[d.class] }} />{d.class}</td>,
                  <td key={`${i}k`} className="num">{hasOrder(d) ? fmtFixed(d.k, 2) : '—'}</td>,
                ] : [<td key={`${i}c`} className="muted">absent</td>, <td key={`${i}k`} className="num muted">—</td>])}
                <td className="num" data-field="delta-k">{r.deltaK === null ? '—' : `${r.deltaK > 0 ? '+' : r.deltaK < 0 ? '−' : ''}${fmtFixed(Math.abs(r.deltaK), 2)}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {rows.length > ROW_LIMIT ? <p className="small muted pad">First {ROW_LIMIT} of {rows.length} rows.</p> : null}
        {!rows.length ? <p className="small muted pad">Every direction reads the same class and order in all checkpoints.</p> : null}
      </div>
    </section>
  );
}
