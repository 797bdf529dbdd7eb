/**
 * A training run over time: the checkpoints of one run (dropped together, steps in their names),
 * each read with the same settings and probe, plotted against the step. Clicking a point opens that
 * checkpoint; the pinned (or hovered) direction's k̂ is followed across the run.
 */
import { useCallback, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { seriesCsv, seriesRow } from '../../series/series.ts';
import { focusId, runOf, setActive, useStore } from '../../state/store.ts';
import { download, fileStem } from '../export.ts';
import { defaultChosen, seriesPlotHeight, seriesPlotModel, type FigureSize, type SeriesInput, type SeriesPoint } from '../figures/index.ts';
import { Figure } from './Figure.tsx';

export function TrainingRun() {
  const run = useStore(useShallow(runOf));
  const activeKey = useStore((s) => s.activeKey);
  const focus = useStore(focusId);
  const points: SeriesPoint[] = useMemo(() => run.filter((c) => c.result).map((c) => {
    const row = seriesRow(c.result!, c.summary.metadata, c.name);
    return { key: c.key, row: { ...row, step: c.step ?? row.step }, directions: c.result!.directions };
  }).filter((p) => p.row.step !== null), [run]);
  const label = run[0]?.run?.replace(/^run\d+:/, '') ?? '';
  const chosen = useMemo(() => {
    if (focus && points.some((p) => p.directions.some((d) => d.id === focus))) return [focus];
    return defaultChosen(points);
  }, [focus, points]);
  const input: SeriesInput = useMemo(() => ({ run: label, points, chosen }), [label, points, chosen]);
  const model = useCallback((s: FigureSize) => seriesPlotModel(input, s), [input]);
  if (!run.length) return null;
  const pending = run.length - points.length;
  return (
    <section className="card training-run" aria-labelledby="run-title-h" data-testid="training-run"
      onClick={(e) => {
        const el = e.target instanceof Element ? e.target.closest('[data-checkpoint]') : null;
        const key = el?.getAttribute('data-checkpoint');
        if (key) setActive(key);
      }}>
      <header className="card-head">
        <h3 id="run-title-h">Training run <span className="muted">— {label}: {points.length} of {run.length} checkpoints read{pending ? ' (the rest follow as their reads finish)' : ''}</span></h3>
        {/* the points open their checkpoint on a click; the keyboard (and a finger on a phone, where the points are small) picks the step here */}
        <div className="run-tools">
          <label className="small">
            <span className="muted">step </span>
            <select data-testid="series-step" aria-label="open the checkpoint at step" value={points.some((p) => p.key === activeKey) ? activeKey! : ''}
              onChange={(e) => { if (e.target.value) setActive(e.target.value); }}>
              {points.some((p) => p.key === activeKey) ? null : <option value="">—</option>}
              {points.map((p) => <option key={p.key} value={p.key}>{p.row.step}</option>)}
            </select>
          </label>
          <button type="button" className="btn small" data-testid="export-series-csv" disabled={!points.length}
            onClick={() => download(seriesCsv(points.map((p) => p.row)), `${fileStem(label)}.series.csv`, 'text/csv')}
            title="One row per step: census, λ, alignment, metadata (the CLI's series.csv)">series CSV</button>
        </div>
      </header>
      <p className="small muted">Follows {chosen.length ? chosen.join(', ') : 'no direction'}{focus ? '' : ' (pin a direction in the table to follow it)'}; click a point (or pick its step) to open that checkpoint.</p>
      {points.length ? (
        <Figure id="series-plot" caption="Training run over time" model={model} height={seriesPlotHeight(input)}
          focus={activeKey} focusDirection={null} exportFocus={activeKey} fileStem={fileStem(label)} />
      ) : <p className="muted pad">Appears when the first read of the run finishes.</p>}
    </section>
  );
}
