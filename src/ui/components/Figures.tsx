/** The four linked figures for the active checkpoint (the heatmap spans every loaded checkpoint). */
import { useCallback, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { activeCheckpoint, directionsOf, filterActive, filterDirections, focusId, useStore } from '../../state/store.ts';
import { DEFAULT_SETTINGS } from '../../read/settings.ts';
import { fileStem } from '../export.ts';
import {
  alignmentHeatmapModel, gaugeFloorModel, nuHatPlotModel, ratePlotModel, slopePlotModel,
  type DirectionsInput, type FigureSize, type FigureView, type HeatmapColumn,
} from '../figures/index.ts';
import { heatmapHeight, sweepRanks, type HeatmapRank } from '../figures/alignment-heatmap.ts';
import { Figure } from './Figure.tsx';

export function Figures() {
  const active = useStore(activeCheckpoint);
  const focus = useStore(focusId);
  const pinned = useStore((s) => s.pinned);
  const floorRatio = useStore((s) => s.settings.floorRatio);
  const checkpoints = useStore(useShallow((s) => s.checkpoints));

  const filter = useStore((s) => s.filter);
  const numericalFloor = useStore((s) => s.settings.numericalFloor);
  const all = directionsOf(active);
  // every figure draws what the table's filter keeps
  const directions = useMemo(() => filterDirections(all, filter), [all, filter]);
  const input: DirectionsInput = useMemo(() => ({
    checkpoint: active?.name ?? '',
    directions,
    total: all.length,
    // a filter's selection is drawn over the whole read (bands above LINE_LIMIT directions)
    context: directions.length < all.length ? all : undefined,
    floorRatio: active?.result?.settings.floorRatio ?? floorRatio,
    numericalFloor: active?.result?.settings.numericalFloor ?? numericalFloor ?? DEFAULT_SETTINGS.numericalFloor,
  }), [active?.name, directions, all.length, active?.result, floorRatio, numericalFloor]);

  // the heatmap's rows under a filter: the layers of the directions it keeps, in each checkpoint
  const columns: HeatmapColumn[] = useMemo(
    () => checkpoints.filter((c) => c.result).map((c) => {
      const kept = filterActive(filter) ? new Set(filterDirections(c.result!.directions, filter).map((d) => d.layer)) : null;
      return { name: c.name, layers: kept ? c.result!.layers.filter((l) => kept.has(l.layer)) : c.result!.layers };
    }),
    [checkpoints, filter],
  );
  const focusLayer = directions.find((d) => d.id === focus)?.layer ?? null;
  const pinnedLayer = directions.find((d) => d.id === pinned)?.layer ?? null;

  const stem = active ? fileStem(active.name) : 'deadscope';
  const noDirections = !active ? 'Load a checkpoint to begin.'
    : directions.length === 0
      ? (active.status === 'reading' || active.status === 'queued' ? 'Reading… directions appear here as they finish.'
        : !active.summary.architecture && !active.summary.transformer ? 'Not read: the layers are unknown — see the Model panel.'
          : active.status === 'failed' ? 'The read failed — see the message above.' : 'No directions read.')
      : null;

  const rate = useCallback((s: FigureSize, view?: FigureView) => ratePlotModel(input, s, view), [input]);
  const slope = useCallback((s: FigureSize) => slopePlotModel(input, s), [input]);
  const gauge = useCallback((s: FigureSize) => gaugeFloorModel(input, s), [input]);
  const [rank, setRank] = useState<HeatmapRank>('auto');
  const ranks = useMemo(() => sweepRanks(columns), [columns]);
  const heat = useCallback((s: FigureSize) => alignmentHeatmapModel(columns, s, rank), [columns, rank]);
  const rankControl = ranks.length ? (
    <label className="figure-control small" title="the dead-subspace rank r the cells show: the read's automatic r, or one r of the sweep (the optimiser contrast lives at small r, METHOD §5)">
      r{' '}
      <select data-testid="heatmap-rank" value={String(rank)} onChange={(e) => setRank(e.target.value === 'auto' ? 'auto' : Number(e.target.value))}>
        <option value="auto">automatic</option>
        {ranks.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
    </label>
  ) : null;
  const fluctuation = active?.result?.fluctuation;
  const nuHat = useCallback((s: FigureSize) => nuHatPlotModel({ checkpoint: active?.name ?? '', orders: fluctuation?.orders ?? [] }, s), [active?.name, fluctuation]);
  const ids = useMemo(() => directions.map((d) => d.id), [directions]);
  const linked = { focus, focusDirection: focus, exportFocus: pinned, fileStem: stem, empty: noDirections, directionIds: ids };

  const heatHeight = heatmapHeight(columns);

  return (
    <div className="figures">
      <Figure id="rate-plot" caption="Rate plot F(t)" model={rate} height={380} {...linked} />
      <Figure id="slope-plot" caption="Local slope α(t)" model={slope} height={380} {...linked} />
      <Figure id="alignment-heatmap" caption="Axis-alignment, all checkpoints" model={heat} height={heatHeight}
        focus={focusLayer} focusDirection={null} exportFocus={pinnedLayer} fileStem={columns.length > 1 ? 'compare' : stem}
        empty={columns.length ? null : 'Appears when a read finishes.'} controls={rankControl} />
      <Figure id="gauge-floor-chart" caption="Gauge floor F / F_live" model={gauge} height={380} {...linked} />
      {fluctuation?.orders.length ? (
        <Figure id="nu-hat-plot" caption="Singular fluctuation ν̂ against n" model={nuHat} height={340}
          focus={null} focusDirection={null} exportFocus={null} fileStem={stem} empty={null} />
      ) : null}
    </div>
  );
}
