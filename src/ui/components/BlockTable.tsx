/**
 * The block-by-block view (issue 12): every transformer block a row — what of it was read
 * (attention, MLP, norms), its directions' classes as a bar, its gauge floors by family and its
 * MLP's axis-alignment — so a 12-block model fits one screen. A row (click, Enter or Space)
 * filters the table and the figures to its block; again, or Clear filter, shows every block.
 */
import { useMemo, type KeyboardEvent } from 'react';
import type { DirectionClass } from '../../read/schema.ts';
import { activeCheckpoint, directionsOf, setState, useStore } from '../../state/store.ts';
import { blockRows, hasBlocks, type BlockPart, type BlockRow } from '../blocks.ts';
import { CLASSES, CLASS_COLOURS, CLASS_LABELS } from '../theme.ts';
import { fmtFixed, fmtNum } from '../format.ts';

function partLabel(p: BlockPart): string {
  if (p.kind === 'mlp') return 'MLP';
  if (p.kind === 'head') return 'head';
  return p.name.includes(' → ') ? 'norm→QKV' : 'attention';
}

function Parts({ row }: { row: BlockRow }) {
  if (!row.parts.length) return <span className="muted">—</span>;
  return (
    <span className="block-parts">
      {row.parts.map((p) => (
        <span key={p.name} className={`part ${p.read ? 'read' : 'unread'}`} title={`${p.name}: ${p.read ? 'read' : 'not read'} — ${p.why}`}>
          {partLabel(p)}{p.read ? '' : ' ✗'}
        </span>
      ))}
      {row.heads.length ? <span className="part read" title="attention heads named by this block's directions">heads {row.heads.join(', ')}</span> : null}
    </span>
  );
}

/** The classes as a stacked bar (width ∝ count) and the counts of the classes present. */
function ClassBar({ counts }: { counts: Record<DirectionClass, number> }) {
  const total = CLASSES.reduce((s, c) => s + counts[c], 0);
  const present = CLASSES.filter((c) => counts[c] > 0);
  return (
    <span className="class-bar-cell">
      <span className="class-bar" role="img" aria-label={present.map((c) => `${counts[c]} ${c}`).join(', ') || 'no directions'}>
        {present.map((c) => <span key={c} style={{ flexGrow: counts[c], background: CLASS_COLOURS[c] }} title={`${counts[c]} ${CLASS_LABELS[c]}`} />)}
      </span>
      <span className="class-bar-counts">
        {total === 0 ? <span className="muted">none</span> : present.map((c) => (
          <span key={c} title={CLASS_LABELS[c]} data-class={c}><span className="swatch" style={{ background: CLASS_COLOURS[c] }} />{counts[c]} {c === 'pre-asymptotic' ? 'pre-asympt.' : c}</span>
        ))}
      </span>
    </span>
  );
}

function Gauges({ row }: { row: BlockRow }) {
  if (!row.gauges.length) return <span className="muted">—</span>;
  return (
    <span className="gauge-floors">
      {row.gauges.map((g) => (
        <span key={g.family} className={g.gauge === g.n ? 'ok' : 'warn'}
          title={`${g.family}: ${g.gauge} of ${g.n} direction${g.n === 1 ? '' : 's'} read gauge; the largest R = F/F_live among them is ${fmtNum(g.worst)}`}>
          {g.short} {g.gauge}/{g.n} <span className="muted">R ≤ {fmtNum(g.worst, 2)}</span>
        </span>
      ))}
    </span>
  );
}

function Alignment({ row }: { row: BlockRow }) {
  if (!row.alignment.length) return <span className="muted">—</span>;
  return (
    <span className="block-alignment">
      {row.alignment.map((a) => (
        <span key={a.layer} title={`${a.layer}: alignment ${a.value.toFixed(3)} at r = ${a.r} of d = ${a.d}; random baseline r/d = ${a.baseline.toFixed(3)} (METHOD §5)`}>
          <span className="align-track"><span className="align-base" style={{ left: `${100 * a.baseline}%` }} /><span className="align-value" style={{ width: `${100 * a.value}%` }} /></span>
          {fmtFixed(a.value, 2)} <span className="muted">vs {fmtFixed(a.baseline, 2)}</span>
        </span>
      ))}
    </span>
  );
}

export function BlockTable() {
  const active = useStore(activeCheckpoint);
  const chosen = useStore((s) => s.filter.blocks);
  const result = active?.result ?? null;
  const directions = directionsOf(active);
  const source = useMemo(() => ({ blocks: result?.blocks, directions, layers: result?.layers ?? [] }), [result, directions]);
  const rows = useMemo(() => (hasBlocks(source) ? blockRows(source) : []), [source]);
  if (!rows.length) return null;

  const toggle = (key: string) => setState((s) => ({
    filter: { ...s.filter, blocks: s.filter.blocks.length === 1 && s.filter.blocks[0] === key ? [] : [key] },
  }));
  const onKey = (e: KeyboardEvent<HTMLTableRowElement>, key: string) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(key); }
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      ((e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling) as HTMLElement | null)?.focus();
    }
  };
  const scope = result?.scope === 'block-local' || directions.some((d) => d.scope === 'block-local') ? 'block-local' : null;

  return (
    <section className="card blocks" aria-labelledby="blocks-title" data-testid="block-table">
      <header className="card-head">
        <h3 id="blocks-title">Blocks <span className="muted">{rows.length}{scope ? ' · read block-locally (each block alone, on seeded inputs of its width)' : ''}</span></h3>
        <span className="muted small">a row filters the table and figures to its block · dashed ✗: not read (hover for why)</span>
      </header>
      <div className="block-scroll">
        <table className="grid block-grid">
          <thead>
            <tr>
              <th title="the transformer block (module names up to their numbered segment)">block</th>
              <th title="what of the block was read">parts</th>
              <th className="num" title="candidate directions read in the block">dirs</th>
              <th title="the directions' classes (METHOD §3); an inactive unit counted once">classes</th>
              <th title="per gauge family: directions reading gauge of those proposed, and the largest F/F_live among them (METHOD §3)">gauge floors</th>
              <th title="the MLP's dead-subspace axis-alignment at the automatic r, vs the random baseline r/d (METHOD §5)">alignment vs r/d</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => {
              const on = chosen.includes(r.key);
              return (
                <tr key={r.key} data-testid="block-row" data-block={r.key} tabIndex={0} className={on ? 'pinned' : ''} aria-selected={on}
                  onClick={() => toggle(r.key)} onKeyDown={(e) => onKey(e, r.key)}>
                  <td className="mono" title={r.key}>{r.label}</td>
                  <td><Parts row={r} /></td>
                  <td className="num">{r.directions.length}</td>
                  <td><ClassBar counts={r.counts} /></td>
                  <td><Gauges row={r} /></td>
                  <td><Alignment row={r} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
