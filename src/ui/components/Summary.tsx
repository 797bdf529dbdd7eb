/** Figure 6 — counts per class (the colour legend), inactive units per layer, and the checkpoints side by side. */
import { useShallow } from 'zustand/react/shallow';
import type { AssemblyGroup, DirectionClass, DirectionResult, GlobalCoefficient, ReadResult } from '../../read/schema.ts';
import type { ProbeReport } from '../../read/probe-check.ts';
import { activeCheckpoint, directionsOf, setActive, useStore } from '../../state/store.ts';
import { enqueueRead, setOverrides } from '../../state/actions.ts';
import { CLASSES, CLASS_COLOURS, CLASS_DOCS, CLASS_LABELS, CLASS_LAMBDA } from '../theme.ts';
import { fmtFixed } from '../format.ts';
import { hasOrder } from './DirectionTable.tsx';

/**
 * Directions per class. Two detectors report the same never-firing unit (node death of the unit
 * and the inactive detector): an inactive unit is counted once, by (layer, unit).
 */
export function classCounts(ds: readonly DirectionResult[]): Record<DirectionClass, number> {
  const out = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<DirectionClass, number>;
  const inactiveUnits = new Set<string>();
  for (const d of ds) {
    if (d.class === 'inactive' && d.unit !== null) {
      const unit = `${d.layer}\u0000${d.unit}`;
      if (inactiveUnits.has(unit)) continue;
      inactiveUnits.add(unit);
    }
    out[d.class]++;
  }
  return out;
}

/** Which probe the read used and, with labels, how the model does on it (warned near chance). */
function ProbeLine({ probe }: { probe: ProbeReport }) {
  const l = probe.labels;
  const pct = (x: number) => `${fmtFixed(100 * x, 1)} %`;
  const check = !l ? null : l.accuracy !== null
    ? `accuracy ${pct(l.accuracy)} (chance ${pct(l.chance!)}), cross-entropy ${fmtFixed(l.loss, 3)}`
    : `R² ${fmtFixed(l.r2!, 3)}, MSE ${fmtFixed(l.loss, 4)}`;
  return (
    <p className={`small probe-line${l?.nearChance ? ' warn' : ''}`} data-testid="probe-line" role={l?.nearChance ? 'alert' : undefined}>
      <span className="muted">probe</span> {probe.description}{check ? <> · {check}{l!.nearChance ? ' — near chance: not the data the model was trained on' : ''}</> : null}
    </p>
  );
}

/** The checkpoint's one number, when the read carries it: the assembled global (λ, m) (METHOD §6). */
export function globalOf(r: ReadResult | null | undefined): { lambda: number; m: number } | null {
  const g = (r as { global?: { lambda?: unknown; m?: unknown } } | null | undefined)?.global;
  return g && typeof g.lambda === 'number' && typeof g.m === 'number' ? { lambda: g.lambda, m: g.m } : null;
}

/**
 * ν(k) of the orders read (METHOD §7), with how many live or singular directions read each: the
 * per-row ν of the table, gathered by the rounded order.
 */
export function nuByOrder(ds: readonly DirectionResult[]): { k: number; nu: number; count: number }[] {
  const byK = new Map<number, { k: number; nu: number; count: number }>();
  for (const d of ds) {
    if (!hasOrder(d) || d.kRounded === null || d.nu === null) continue;
    const o = byK.get(d.kRounded);
    if (o) o.count++; else byK.set(d.kRounded, { k: d.kRounded, nu: d.nu, count: 1 });
  }
  return [...byK.values()].sort((a, b) => a.k - b.k);
}

/** A number of the assembly, or an empty cell where the block has none (no closed form, not a chain). */
const cell = (x: number | null | undefined, d = 3): string => (typeof x === 'number' ? fmtFixed(x, d) : '');
/** A difference with its sign spelled out (the assembled value minus the closed form). */
const signed = (x: number | null | undefined): string => (typeof x === 'number' ? `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(3)}` : '');

/**
 * How the per-direction orders assemble into λ (METHOD §6): per group its rule, (λ, m), and for a
 * chain the closed form, the λ assembled from its own reads and their difference, with how many of
 * its parameter directions the reads enumerated; then the whole model, and the directions the
 * assembly could not place (with why).
 */
export function AssemblyTable({ assembly, global }: { assembly: readonly AssemblyGroup[]; global: GlobalCoefficient | null }) {
  const missing = global?.notEnumerable ?? [];
  return (
    <details className="assembly" data-testid="assembly">
      <summary className="small">
        How the per-direction orders assemble into λ ({assembly.length} group{assembly.length === 1 ? '' : 's'}, METHOD §6)
        {missing.length ? `; ${missing.length} direction${missing.length === 1 ? '' : 's'} not enumerable` : ''}
      </summary>
      <table className="grid compact" aria-label="global learning coefficient">
        <thead>
          <tr>
            <th>rule</th><th className="num">λ</th><th className="num">m</th>
            <th className="num" title="METHOD §6’s closed form for the block, where one exists (chains)">closed form</th>
            <th className="num" title="λ assembled from the block’s own per-direction reads (live ½ each, singular 1/(2k))">from the reads</th>
            <th className="num" title="from the reads − closed form">difference</th>
            <th className="num" title="parameter directions of the chain the reads enumerated, of all">enumerated</th>
            <th>why</th>
          </tr>
        </thead>
        <tbody>
          {assembly.map((g, i) => (
            <tr key={i} data-group={i}>
              <td>{g.rule}</td><td className="num">{fmtFixed(g.lambda, 3)}</td><td className="num">{g.m}</td>
              <td className="num" data-field="closed-form">{cell(g.closedForm)}</td>
              <td className="num" data-field="assembled">{g.params !== undefined ? cell(g.assembled) : ''}</td>
              <td className="num" data-field="difference">{signed(g.difference)}</td>
              <td className="num" data-field="enumerated">{g.params !== undefined && g.enumerated !== undefined ? `${g.enumerated}/${g.params}` : ''}</td>
              <td className="small">{g.why}</td>
            </tr>
          ))}
        </tbody>
        {global ? (
          <tfoot>
            <tr data-group="global">
              <th scope="row">whole model</th><td className="num">{fmtFixed(global.lambda, 3)}</td><td className="num">{global.m}</td>
              <td className="num" data-field="closed-form">{global.assembled !== undefined ? fmtFixed(global.lambda, 3) : ''}</td>
              <td className="num" data-field="assembled">{cell(global.assembled)}</td>
              <td className="num" data-field="difference">{signed(global.difference)}</td>
              <td className="num" />
              <td className="small">{global.why}</td>
            </tr>
          </tfoot>
        ) : null}
      </table>
      {missing.length ? (
        <div className="not-enumerable small" data-testid="not-enumerable">
          <p>Not enumerable ({missing.length}): no place in the sum, so λ above leaves them out.</p>
          <ul>
            {missing.map((d) => <li key={d.id} data-direction-id={d.id}><span className="mono">{d.id}</span> <span className="muted">{d.why}</span></li>)}
          </ul>
        </div>
      ) : null}
    </details>
  );
}

export function Summary() {
  const active = useStore(activeCheckpoint);
  const checkpoints = useStore(useShallow((s) => s.checkpoints));
  const ds = directionsOf(active);
  const counts = classCounts(ds);
  const layers = active?.result?.layers ?? [];
  const read = checkpoints.filter((c) => c.result || c.partial.length);
  const global = globalOf(active?.result);
  const nus = nuByOrder(ds);

  return (
    <section className="card summary" aria-labelledby="summary-title" data-testid="summary">
      <header className="card-head"><h3 id="summary-title">Summary{active ? <span className="muted"> — {active.name}</span> : null}</h3></header>
      {global ? (
        <p className="global-lambda" data-testid="global-lambda" title="the per-direction orders assembled into one learning coefficient (METHOD §6)">
          λ̂ = <strong>{fmtFixed(global.lambda, 3)}</strong>, m = <strong>{global.m}</strong>
          <span className="muted small"> the checkpoint’s learning coefficient and multiplicity, assembled from the directions</span>
          {typeof active?.result?.global?.assembled === 'number' ? (
            <span className="small" data-testid="global-from-reads" title="λ̂ takes each chain’s closed form; here each chain’s value is assembled from its own reads instead (METHOD §6, notes)">
              {' '}· with the chains’ closed forms; from their reads <strong>{fmtFixed(active.result.global.assembled, 3)}</strong> (difference {signed(active.result.global.difference)})
            </span>
          ) : null}
          {active?.result?.global?.notEnumerable.length ? (
            <span className="small warn" data-testid="global-not-enumerable"> · {active.result.global.notEnumerable.length} direction{active.result.global.notEnumerable.length === 1 ? '' : 's'} not enumerable (listed under the assembly)</span>
          ) : null}
        </p>
      ) : null}
      {nus.length ? (
        <p className="small nu-line" data-testid="nu-by-order" title="singular fluctuation ν(k) of the order-k cell (METHOD §7): the WAIC functional variance a direction of order k contributes">
          <span className="muted">singular fluctuation </span>
          {nus.map((o, i) => (
            <span key={o.k} data-k={o.k}>{i ? ' · ' : ''}ν({o.k}) = <strong>{fmtFixed(o.nu, 3)}</strong><span className="muted"> ({o.count} direction{o.count === 1 ? '' : 's'})</span></span>
          ))}
        </p>
      ) : null}
      {active?.result?.probe ? <ProbeLine probe={active.result.probe} /> : null}
      {active?.result?.saturation && active.result.saturation.saturated > 0 ? (
        <p className={`small ${active.result.saturation.share >= 0.5 ? 'warn' : 'muted'}`} data-testid="saturation">
          Softmax saturated on {active.result.saturation.saturated} of {active.result.saturation.of} probe inputs
          (max p &gt; 1 − {active.result.saturation.threshold}; median 1 − max p = {active.result.saturation.medianComplement.toExponential(1)}).
          There the Fisher of every direction is at most 2(1 − max p)·‖J v‖², so F sits decades under the live reference and directions read flat.
          {active.result.settings.head === 'classification' ? (
            <> <button type="button" className="btn small" data-testid="read-logits" disabled={active.status === 'reading' || active.status === 'queued'}
              title="read again with the head set to logits: a Gaussian on the centred logits, which does not saturate (the Model panel's head control)"
              onClick={() => void setOverrides(active.key, { head: 'logits' }).then(() => enqueueRead(active.key))}>Read on the logits</button></>
          ) : null}
        </p>
      ) : null}
      <ul className="class-counts" aria-label="directions per class">
        {CLASSES.map((c) => (
          <li key={c} title={CLASS_DOCS[c]} className={counts[c] ? '' : 'zero'} data-class={c} style={{ '--class': CLASS_COLOURS[c] } as React.CSSProperties}>
            <span className="count">{counts[c]}</span>
            <span className="label"><span className="swatch" style={{ background: CLASS_COLOURS[c] }} />{CLASS_LABELS[c]}</span>
            <span className="doc">{CLASS_LAMBDA[c]}</span>
          </li>
        ))}
      </ul>

      <div className="summary-cols">
        {layers.length ? (
          <table className="grid compact" aria-label="per-layer summary">
            <thead><tr><th>layer</th><th className="num">width</th><th className="num" title="ReLU units that never fire on the probe data">inactive units</th><th className="num" title="METHOD §5">alignment</th><th className="num" title="random baseline r/d">r/d</th></tr></thead>
            <tbody>
              {layers.map((l) => (
                <tr key={l.layer}>
                  <td className="mono">{l.layer}</td>
                  <td className="num">{l.width}</td>
                  <td className="num">{l.inactiveUnits === null ? '—' : <span className={l.inactiveUnits ? 'warn' : ''}>{l.inactiveUnits}</span>}</td>
                  <td className="num">{l.axisAlignment ? fmtFixed(l.axisAlignment.value, 2) : '—'}</td>
                  <td className="num">{l.axisAlignment ? `${l.axisAlignment.r}/${l.axisAlignment.d}` : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}

        {active?.result?.assembly?.length || active?.result?.global?.notEnumerable.length ? (
          <AssemblyTable assembly={active.result.assembly ?? []} global={active.result.global ?? null} />
        ) : null}
      </div>

      {read.length > 1 ? (
        <div className="compare">
          <h4>Side by side</h4>
          <table className="grid compact" aria-label="checkpoints side by side" data-testid="compare-table">
            <thead>
              <tr><th>checkpoint</th>{CLASSES.map((c) => <th key={c} className="num" title={CLASS_DOCS[c]}><span className="swatch" style={{ background: CLASS_COLOURS[c] }} />{c}</th>)}</tr>
            </thead>
            <tbody>
              {read.map((c) => {
                const n = classCounts(directionsOf(c));
                return (
                  <tr key={c.key} className={c.key === active?.key ? 'current' : ''} onClick={() => setActive(c.key)}>
                    <td className="mono">{c.name}</td>
                    {CLASSES.map((k) => <td key={k} className="num">{n[k] || <span className="muted">0</span>}</td>)}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
