/** The four linked figures for the active checkpoint (the heatmap spans every loaded checkpoint). */
import { useCallback, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { activeCheckpoint, directionsOf, focusId, useStore } from '../../state/store.ts';
import { fileStem } from '../export.ts';
import {
  buildAlignmentHeatmap, buildGaugeFloor, buildRatePlot, buildSlopePlot,
  type DirectionsInput, type FigureSize, type HeatmapColumn,
} from '../figures/index.ts';
import { Figure } from './Figure.tsx';

export function Figures() {
  const active = useStore(activeCheckpoint);
  const focus = useStore(focusId);
  const pinned = useStore((s) => s.pinned);
  const floorRatio = useStore((s) => s.settings.floorRatio);
  const checkpoints = useStore(useShallow((s) => s.checkpoints));
  const activeIndex = useStore((s) => s.checkpoints.filter((c) => c.result).findIndex((c) => c.key === s.activeKey));

  const directions = directionsOf(active);
  const input: DirectionsInput = useMemo(() => ({
    checkpoint: active?.name ?? '',
    directions,
    floorRatio: active?.result?.settings.floorRatio ?? floorRatio,
  }), [active?.name, directions, active?.result, floorRatio]);

  const columns: HeatmapColumn[] = useMemo(
    () => checkpoints.filter((c) => c.result).map((c) => ({ name: c.name, layers: c.result!.layers })),
    [checkpoints],
  );
  const focusLayer = directions.find((d) => d.id === focus)?.layer ?? null;
  const pinnedLayer = directions.find((d) => d.id === pinned)?.layer ?? null;

  const stem = active ? fileStem(active.name) : 'deadscope';
  const noDirections = !active ? 'Load a checkpoint to begin.'
    : directions.length === 0 ? (active.status === 'reading' || active.status === 'queued' ? 'Reading… directions appear here as they finish.' : 'No directions read.') : null;

  const rate = useCallback((s: FigureSize) => buildRatePlot(input, s, { focus, interactive: true }), [input, focus]);
  const rateX = useCallback((s: FigureSize) => buildRatePlot(input, s, { focus: pinned }), [input, pinned]);
  const slope = useCallback((s: FigureSize) => buildSlopePlot(input, s, { focus, interactive: true }), [input, focus]);
  const slopeX = useCallback((s: FigureSize) => buildSlopePlot(input, s, { focus: pinned }), [input, pinned]);
  const gauge = useCallback((s: FigureSize) => buildGaugeFloor(input, s, { focus, interactive: true }), [input, focus]);
  const gaugeX = useCallback((s: FigureSize) => buildGaugeFloor(input, s, { focus: pinned }), [input, pinned]);
  const heat = useCallback((s: FigureSize) => buildAlignmentHeatmap(columns, s, { focusLayer, activeColumn: activeIndex }), [columns, focusLayer, activeIndex]);
  const heatX = useCallback((s: FigureSize) => buildAlignmentHeatmap(columns, s, { focusLayer: pinnedLayer, activeColumn: activeIndex }), [columns, pinnedLayer, activeIndex]);

  const rows = new Set(columns.flatMap((c) => c.layers.map((l) => l.layer))).size;
  const heatHeight = Math.max(290, 200 + rows * 46);

  return (
    <div className="figures">
      <Figure id="rate-plot" caption="Rate plot F(t)" build={rate} buildExport={rateX} height={380} fileStem={stem} empty={noDirections} />
      <Figure id="slope-plot" caption="Local slope α(t)" build={slope} buildExport={slopeX} height={380} fileStem={stem} empty={noDirections} />
      <Figure id="alignment-heatmap" caption="Axis-alignment · all checkpoints" build={heat} buildExport={heatX} height={heatHeight} fileStem={columns.length > 1 ? 'compare' : stem}
        empty={columns.length ? null : 'Appears when a read finishes.'} />
      <Figure id="gauge-floor-chart" caption="Gauge floor F / F_live" build={gauge} buildExport={gaugeX} height={Math.max(heatHeight, 340)} fileStem={stem} empty={noDirections} />
    </div>
  );
}
