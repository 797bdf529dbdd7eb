/** The loaded file's tensors: name, dtype, shape, parameters, range, mean, NaN/Inf. */
import { activeCheckpoint, useStore } from '../../state/store.ts';
import { fmtInt, fmtNum, fmtShape } from '../format.ts';

export function TensorTable() {
  const c = useStore(activeCheckpoint);
  if (!c) return null;
  const rows = c.summary.tensors;
  return (
    <section className="card" aria-labelledby="tensors-title">
      <details open={rows.length <= 64 || undefined}>
        <summary className="card-head"><h3 id="tensors-title">Tensors <span className="muted">{rows.length} in {c.name}</span></h3></summary>
        <div className="table-scroll">
          <table className="grid tensors" data-testid="tensor-table">
            <thead><tr><th>name</th><th>dtype</th><th>shape</th><th className="num">params</th><th className="num">min</th><th className="num">max</th><th className="num">mean</th><th className="num">NaN / Inf</th></tr></thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.name} className={t.supported ? '' : 'unsupported'}>
                  <td className="mono">{t.name}</td>
                  <td className="mono">{t.dtype}{t.supported ? '' : <span className="muted"> (not decoded)</span>}</td>
                  <td className="mono">{fmtShape(t.shape)}</td>
                  <td className="num">{fmtInt(t.params)}</td>
                  <td className="num">{fmtNum(t.min)}</td>
                  <td className="num">{fmtNum(t.max)}</td>
                  <td className="num">{fmtNum(t.mean)}</td>
                  <td className={`num ${t.nan || t.inf ? 'warn' : ''}`}>{t.nan} / {t.inf}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
