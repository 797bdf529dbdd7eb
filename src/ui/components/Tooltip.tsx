/** The k-tooltip: what was read for the hovered direction (table row or curve). */
import type { DirectionResult } from '../../read/schema.ts';
import { activeCheckpoint, directionsOf, useStore } from '../../state/store.ts';
import { CLASS_COLOURS, CLASS_LABELS } from '../theme.ts';
import { fmtFixed, fmtNum, fmtWindow } from '../format.ts';
import { hasOrder } from './DirectionTable.tsx';

export function DirectionFacts({ d }: { d: DirectionResult }) {
  return (
    <dl className="facts">
      <dt>k̂ read</dt><dd data-field="k" title={d.k !== null && !hasOrder(d) ? 'the slope of the line; this class contributes no order' : undefined}>{d.k === null ? 'none' : fmtFixed(d.k, 3)}</dd>
      <dt>k rounded</dt><dd data-field="kRounded">{hasOrder(d) ? d.kRounded ?? '—' : '—'}{d.predictedK !== null ? <span className="muted"> (predicted {d.predictedK})</span> : null}</dd>
      <dt>λ</dt><dd data-field="lambda">{d.lambda === null ? '—' : fmtFixed(d.lambda, 3)}</dd>
      {hasOrder(d) && d.nu !== null && d.nu !== undefined ? <><dt>ν(k)</dt><dd data-field="nu">{fmtFixed(d.nu, 3)}</dd></> : null}
      <dt>class</dt><dd data-field="class"><span className="swatch" style={{ background: CLASS_COLOURS[d.class] }} />{CLASS_LABELS[d.class]}</dd>
      <dt>F/F_live</dt><dd data-field="ratio">{fmtNum(d.ratio)}{d.path === 'orbit' ? <span className="muted"> (max along orbit)</span> : null}</dd>
      <dt>window</dt><dd data-field="window">{fmtWindow(d.window)}</dd>
    </dl>
  );
}

export function Tooltip() {
  const hovered = useStore((s) => s.hovered);
  const anchor = useStore((s) => s.anchor);
  const active = useStore(activeCheckpoint);
  const d = hovered ? directionsOf(active).find((x) => x.id === hovered) : undefined;
  if (!d || !anchor) return null;
  const w = 300;
  const left = Math.min(window.innerWidth - w - 12, anchor.x + 16);
  const top = Math.min(window.innerHeight - 230, anchor.y + 14);
  return (
    <div className="tooltip" role="tooltip" data-testid="k-tooltip" data-direction-id={d.id}
      data-k={d.k === null ? '' : String(d.k)} style={{ left: Math.max(8, left), top: Math.max(8, top), width: w }}>
      <div className="tooltip-head">
        <span className="swatch" style={{ background: CLASS_COLOURS[d.class] }} />
        <strong>{d.id}</strong>
      </div>
      <div className="muted small">{d.detector} · layer {d.layer}{d.unit !== null ? ` · unit ${d.unit}` : ''}{d.head !== undefined ? ` · head ${d.head}` : ''}{d.scope === 'block-local' ? ' · read block-locally' : ''}</div>
      <DirectionFacts d={d} />
      <div className="tooltip-reason">{d.reason}</div>
    </div>
  );
}
