/** The left column: the loaded file, its inferred architecture with overrides, the read settings, and Run. */
import { ACTIVATIONS, valueShapes, type Activation, type ModelGraph } from '../../model/graph.ts';
import { definitionOf } from '../../ops/definitions.ts';
import { DEFAULT_SETTINGS, MAX_EIGEN_DIM, maxEigenDimProblem, SETTING_DOCS, settingProblems, type ReadSettings } from '../../read/settings.ts';
import { EIGEN_DIM_LIMIT } from '../../read/memory.ts';
import { DEFAULT_OPTIONS, HEAD_CHOICES, SCOPE_CHOICES } from '../../read/options.ts';
import { useState } from 'react';
import { cancelRead, enqueueRead, setArchitecture, setOverrides } from '../../state/actions.ts';
import { archTemplate, EDITED_ARCH_NAME, formatArch, graphToArch, withSlotActivation, type ArchJson } from '../../state/arch.ts';
import { activeCheckpoint, setState, useStore, type Backend, type Head, type LoadedCheckpoint, type State } from '../../state/store.ts';
import { fmtBytes, fmtEta, fmtInt, fmtShape } from '../format.ts';
import { ConfigAsk } from './ConfigAsk.tsx';

/** A reader warning as a browser user acts on it (the CLI's flags are the Model panel's menus here). */
export function browserWording(w: string): string {
  return w.replace(/\(set --activation to change\)/, '(choose it in the activation menu above)').replace(/--activation/g, 'the activation menu');
}

function Architecture({ graph, onActivation, disabled }: { graph: ModelGraph; onActivation: (index: number, fn: Activation) => void; disabled: boolean }) {
  let shapes: number[][] | null = null;
  try { shapes = Array.isArray(graph.nodes) ? valueShapes(graph) : null; } catch { shapes = null; }
  if (!Array.isArray(graph.nodes)) return <pre className="mono small">{JSON.stringify(graph, null, 1)}</pre>;
  return (
    <ol className="arch" aria-label="inferred layers">
      <li className="arch-io"><span className="op-kind">input</span><span className="op-shape">{fmtShape(graph.inputShape)}</span></li>
      {graph.nodes.map(({ op, id }, i) => {
        const l = definitionOf(op).label(op);
        return (
          <li key={i} className={`op op-${op.kind}`}>
            <span className="op-kind">{l.kind}</span>
            {op.kind === 'activation' ? (
              <span className="op-detail">
                <select value={op.fn} disabled={disabled} aria-label={`activation of op ${i}`} className="inline-select"
                  onChange={(e) => onActivation(i, e.target.value as Activation)}>
                  {ACTIVATIONS.map((a) => <option key={a} value={a}>{a}</option>)}
                </select>
              </span>
            ) : <span className="op-detail">{l.detail}{l.name !== null ? <span className="muted mono"> {l.name}</span> : null}</span>}
            {shapes ? <span className="op-shape">{fmtShape(shapes[id])}</span> : null}
          </li>
        );
      })}
      <li className="arch-io"><span className="op-kind">output</span><span className="op-shape">{graph.outputWidth}</span></li>
    </ol>
  );
}

/** Layer kinds: the inferred layers as architecture JSON, editable (the same format as `--arch`). */
function ArchEditor({ start, edited, ckKey, disabled, open }: { start: ArchJson; edited: boolean; ckKey: string; disabled: boolean; open?: boolean }) {
  const [text, setText] = useState(() => formatArch(start));
  return (
    <details className="arch-editor" open={open || undefined}>
      <summary className="small">Edit layers (architecture JSON){edited ? <span className="badge">edited</span> : null}</summary>
      <p className="small muted">Change layer kinds, pooling, stride or padding; the reader checks it against the tensors, as <span className="mono">--arch</span> does.</p>
      <textarea className="mono" spellCheck={false} wrap="off" rows={Math.min(16, text.split('\n').length + 1)} value={text} onChange={(e) => setText(e.target.value)} aria-label="architecture JSON" />
      <div className="run-row">
        <button type="button" className="btn small" disabled={disabled} onClick={() => void setArchitecture(ckKey, text)}>Apply</button>
        {edited ? <button type="button" className="btn small ghost" disabled={disabled} onClick={() => void setArchitecture(ckKey, null)}>Back to the file’s layers</button> : null}
      </div>
    </details>
  );
}

function ModelPanel() {
  const c = useStore(activeCheckpoint);
  if (!c) return <section className="panel"><h2>Model</h2><p className="muted">No checkpoint loaded.</p></section>;
  const s = c.summary;
  const g = s.architecture;
  const reading = c.status === 'reading' || c.status === 'queued';
  return (
    <section className="panel" aria-labelledby="model-title">
      <h2 id="model-title">Model</h2>
      <div className="file-facts">
        <div className="file-name mono" title={s.fileName}>{s.fileName}{c.example ? <span className="badge">example</span> : null}</div>
        <div className="muted small">{fmtBytes(s.bytes)} · {s.tensors.length} tensors · {fmtInt(s.params)} parameters</div>
        {c.companions.length ? <div className="muted small">with {c.companions.join(', ')}</div> : null}
        {s.metadata && Object.keys(s.metadata).length ? (
          <div className="meta small">{Object.entries(s.metadata).map(([k, v]) => <span key={k} className="meta-item"><span className="muted">{k}</span> {v}</span>)}</div>
        ) : null}
      </div>

      <div className="overrides">
        <label>
          <span>activation</span>
          <select value={c.overrides.activation ?? ''} disabled={reading}
            onChange={(e) => void setOverrides(c.key, { activation: (e.target.value || null) as Activation | null })}>
            <option value="">auto{g ? ` · ${g.activation}` : ''}</option>
            {ACTIVATIONS.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>
          <span>head</span>
          <select value={c.overrides.head} disabled={reading} data-testid="head-select"
            title="the output head of the Fisher; logits: a Gaussian on the centred logits, which does not saturate where the softmax is confident"
            onChange={(e) => void setOverrides(c.key, { head: e.target.value as Head })}>
            {HEAD_CHOICES.map((h) => <option key={h.value} value={h.value}>{h.label}</option>)}
          </select>
        </label>
        {s.transformer ? (
          <label>
            <span>scope</span>
            <select value={c.overrides.scope} disabled={reading} data-testid="scope-select"
              title="whole: the assembled network; block-local: each block alone on seeded inputs of its width (faster, METHOD notes); auto: whole where it assembles"
              onChange={(e) => void setOverrides(c.key, { scope: e.target.value as LoadedCheckpoint['overrides']['scope'] })}>
              {SCOPE_CHOICES.map((h) => <option key={h.value} value={h.value}>{h.label}</option>)}
            </select>
          </label>
        ) : null}
      </div>

      {g ? (
        <p className="small muted arch-note">
          activation <strong>{g.activation}</strong> ({g.activationSource === 'setting' ? 'overridden here' : `from ${g.activationSource}`})
          {c.result ? <> · head <strong>{c.result.settings.head}</strong></> : null}
        </p>
      ) : null}
      {g ? <Architecture graph={g} disabled={reading} onActivation={(i, fn) => void setArchitecture(c.key, withSlotActivation(g, i, fn))} /> : null}
      <ArchEditor key={`${c.key}:${c.files.arch ? 'edited' : 'file'}:${g ? 'graph' : 'none'}`} start={g ? graphToArch(g) : archTemplate(s.tensors)}
        edited={c.companions.includes(EDITED_ARCH_NAME)} ckKey={c.key} disabled={reading} open={!g} />
      {s.transformer ? (
        <p className="small" data-testid="transformer-blocks">
          {s.transformer.label}: {s.transformer.blocks.length} blocks, {s.architecture && c.overrides.scope !== 'block-local' ? 'read as one network (scope “whole”)' : 'read block by block (scope “block-local”)'}
        </p>
      ) : s.architectureError ? <p className="warn small" role="alert" data-testid="architecture-error">Architecture: {s.architectureError}</p> : null}
      {s.transformer?.ask ? <ConfigAsk key={`${c.key}:${s.transformer.ask.configTemplate}`} missing={s.transformer.ask.missing} template={s.transformer.ask.configTemplate} ckKey={c.key} disabled={reading} /> : null}
      {[...new Set([...(g?.warnings ?? []), ...s.warnings].map(browserWording))].map((w) => <p key={w} className="warn small">{w}</p>)}
    </section>
  );
}

/** What a number field holds: anything typed is kept (NaN when not a number), so the range check can say what is wrong. */
const parseField = (raw: string): number => (raw.trim() === '' ? NaN : Number(raw));
const sameNumber = (a: number, b: number): boolean => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * A number input that keeps the text being typed (and so its caret and focus) while the stored value
 * is what that text parses to, and shows the stored value when it changes from elsewhere (Reset to
 * defaults). One element throughout: it is never re-keyed when the value comes back to its default.
 */
function NumberField({ value, onText, step, invalid, describedBy, testId }: {
  value: number; onText: (text: string) => void; step: string; invalid: boolean; describedBy: string; testId?: string;
}) {
  const [draft, setDraft] = useState(() => (Number.isNaN(value) ? '' : String(value)));
  const shown = sameNumber(parseField(draft), value) ? draft : Number.isNaN(value) ? '' : String(value);
  return (
    <input type="number" step={step} value={shown} data-testid={testId} aria-invalid={invalid} aria-describedby={describedBy}
      onChange={(e) => { setDraft(e.target.value); onText(e.target.value); }} />
  );
}

/** 1 … the cores the browser reports (at most 16) */
function threadChoices(): number[] {
  return Array.from({ length: Math.min(16, Math.max(1, navigator.hardwareConcurrency || 1)) }, (_, i) => i + 1);
}

function SettingsPanel() {
  const settings = useStore((s) => s.settings);
  const backend = useStore((s) => s.backend);
  const threads = useStore((s) => s.threads);
  const precision = useStore((s) => s.precision);
  const maxEigenDim = useStore((s) => s.maxEigenDim);
  const eigenProblem = maxEigenDimProblem(maxEigenDim);
  const keys = Object.keys(DEFAULT_SETTINGS) as Array<keyof ReadSettings>;
  const changed = [...keys.filter((k) => settings[k] !== DEFAULT_SETTINGS[k]), ...(maxEigenDim !== EIGEN_DIM_LIMIT ? ['maxEigenDim'] : []), ...(precision !== DEFAULT_OPTIONS.precision ? ['precision'] : [])];
  const set = (k: keyof ReadSettings, raw: string) => setState((s) => ({ settings: { ...s.settings, [k]: parseField(raw) } }));
  const problems = new Map(settingProblems(settings).map((p) => [p.key, p.message]));
  return (
    <section className="panel" aria-labelledby="settings-title">
      <details open>
        <summary><h2 id="settings-title">Read settings</h2><span className="muted small">{changed.length ? `${changed.length} changed` : 'defaults'}</span></summary>
        <div className="settings">
          {keys.map((k) => (
            <label key={k} className={settings[k] !== DEFAULT_SETTINGS[k] ? 'changed' : ''}>
              <span className="setting-name mono">{k}</span>
              <NumberField step="any" value={settings[k]} invalid={problems.has(k)} onText={(t) => set(k, t)} describedBy={`doc-${k}`} />
              <span className="setting-doc" id={`doc-${k}`}>{SETTING_DOCS[k]} <span className="muted">(default {String(DEFAULT_SETTINGS[k])})</span></span>
              {problems.has(k) ? <span className="warn small" role="alert" data-testid={`setting-problem-${k}`}>{k} {problems.get(k)}</span> : null}
            </label>
          ))}
          <label className={maxEigenDim !== EIGEN_DIM_LIMIT ? 'changed' : ''}>
            <span className="setting-name mono">maxEigenDim</span>
            <NumberField step="1" testId="setting-maxEigenDim" value={maxEigenDim} invalid={eigenProblem !== null} describedBy="doc-maxEigenDim"
              onText={(t) => setState({ maxEigenDim: parseField(t) })} />
            <span className="setting-doc" id="doc-maxEigenDim">largest d × d matrix decomposed densely (1…{MAX_EIGEN_DIM}); a layer over it is left out of that detector, axis alignment or chain rank, with a warning <span className="muted">(default {EIGEN_DIM_LIMIT})</span></span>
            {eigenProblem ? <span className="warn small" role="alert" data-testid="setting-problem-maxEigenDim">maxEigenDim {eigenProblem}</span> : null}
          </label>
          <label>
            <span className="setting-name mono">backend</span>
            <select value={backend} onChange={(e) => setState({ backend: e.target.value as Backend })}>
              <option value="auto">auto</option><option value="webgpu">webgpu</option><option value="cpu">cpu</option>
            </select>
            <span className="setting-doc">engine for the scans: WebGPU when available, else the CPU reference</span>
          </label>
          <label>
            <span className="setting-name mono">threads</span>
            <select value={threads} data-testid="setting-threads" onChange={(e) => setState({ threads: Number(e.target.value) })}>
              {threadChoices().map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
            <span className="setting-doc">CPU engine threads (Web Workers; same results for any number; one unless the page is cross-origin isolated) <span className="muted">(default 1)</span></span>
          </label>
          <label className={precision !== DEFAULT_OPTIONS.precision ? 'changed' : ''}>
            <span className="setting-name mono">precision</span>
            <select value={precision} data-testid="setting-precision" onChange={(e) => setState({ precision: e.target.value as State['precision'] })}>
              <option value="f32">f32</option><option value="f64">f64</option>
            </select>
            <span className="setting-doc">arithmetic of the CPU engine’s fast scans: f32, or f64 (the reference, slower); WebGPU computes in f32 <span className="muted">(default {DEFAULT_OPTIONS.precision})</span></span>
          </label>
          {changed.length ? <button type="button" className="btn small ghost" onClick={() => setState({ settings: { ...DEFAULT_SETTINGS }, maxEigenDim: EIGEN_DIM_LIMIT, precision: DEFAULT_OPTIONS.precision })}>Reset to defaults</button> : null}
        </div>
      </details>
    </section>
  );
}

/** The active read was made with other settings (the CPU engine's precision included: WebGPU computes in f32 whatever it says). */
export function settingsChanged(c: LoadedCheckpoint | null, s: ReadSettings, precision: State['precision']): boolean {
  if (!c?.result) return false;
  const r = c.result;
  return (Object.keys(DEFAULT_SETTINGS) as Array<keyof ReadSettings>).some((k) => r.settings[k] !== s[k])
    || (r.backend === 'cpu' && r.settings.precision !== undefined && r.settings.precision !== precision);
}

function RunPanel() {
  const c = useStore(activeCheckpoint);
  const settings = useStore((s) => s.settings);
  const progress = useStore((s) => s.progress);
  const backendInfo = useStore((s) => s.backendInfo);
  const backend = useStore((s) => s.backend);
  const precision = useStore((s) => s.precision);
  const mine = progress && c && progress.key === c.key ? progress : null;
  const busy = c?.status === 'reading' || c?.status === 'queued';
  const maxEigenDim = useStore((s) => s.maxEigenDim);
  const badSettings = settingProblems(settings).length > 0 || maxEigenDimProblem(maxEigenDim) !== null;
  return (
    <section className="panel run" aria-labelledby="run-title">
      <h2 id="run-title" className="sr-only">Run</h2>
      <div className="run-row">
        <button type="button" className="btn primary" data-testid="run-read" disabled={!c || busy || (!c.summary.architecture && !c.summary.transformer) || badSettings}
          onClick={() => c && enqueueRead(c.key)}>{c?.result ? 'Read again' : 'Read'}</button>
        {progress ? <button type="button" className="btn" data-testid="cancel-read" onClick={() => void cancelRead()}>Cancel</button> : null}
      </div>
      {mine ? (
        <div className="progress" data-testid="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100}
          aria-valuenow={Math.round(mine.fraction * 100)} aria-label="read progress">
          <div className="bar"><div className="fill" style={{ width: `${(mine.fraction * 100).toFixed(1)}%` }} /></div>
          <div className="small muted progress-text"><span>{mine.stage} · {Math.round(mine.fraction * 100)}%</span><span>{fmtEta(mine.etaSeconds)}</span></div>
        </div>
      ) : c?.status === 'queued' ? <p className="small muted">Queued…</p> : null}
      {badSettings ? <p className="small warn" data-testid="settings-invalid">A read setting is out of range (see Read settings).</p> : null}
      {c?.readError ? <p className="small warn">{c.readError}</p> : null}
      {c && !busy && (c.stale || settingsChanged(c, settings, precision)) ? <p className="small stale">The model or the settings changed since this read — read again to update.</p> : null}
      {c?.result ? (
        <p className="small muted" data-volatile="">
          Read {c.result.directions.length} directions in {(c.result.timing.totalMs / 1000).toFixed(2)} s on {c.result.backend}
          {c.result.settings.adapter ? ` (${c.result.settings.adapter})` : ''} · {fmtInt(c.result.timing.queries)} Fisher queries
          {c.result.settings.engineChoice ? <> · engine: {c.result.settings.engineChoice}</> : null}
        </p>
      ) : null}
      {/* the engine the next read takes: the one chosen in the settings (not the adapter probed at start, nor the last read's) */}
      {c?.result && (backend === 'auto' || backend === c.result.backend) ? null
        : backend === 'cpu' ? <p className="small muted" data-volatile="" data-testid="engine-line">{c?.result ? 'Next read: ' : 'Engine: '}the CPU engine, {precision} scans (chosen in the settings)</p>
          : backend === 'webgpu' ? <p className="small muted" data-volatile="" data-testid="engine-line">{c?.result ? 'Next read: ' : 'Engine: '}WebGPU (chosen in the settings){backendInfo?.name === 'webgpu' ? ` — ${backendInfo.description}` : ''}</p>
            : backendInfo ? <p className="small muted" data-volatile="" data-testid="engine-line">Engine: {backendInfo.description}</p> : null}
    </section>
  );
}

export function Sidebar() {
  return (
    <aside className="sidebar">
      <RunPanel />
      <ModelPanel />
      <SettingsPanel />
    </aside>
  );
}
