/** Top bar: name, loaded checkpoints (switch, remove), open files / folder, example. */
import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { loadExample, openFiles, removeCheckpoint } from '../../state/actions.ts';
import { filesFromList } from '../../state/files.ts';
import { setActive, useStore, type LoadedCheckpoint } from '../../state/store.ts';

const STATUS_TEXT: Record<LoadedCheckpoint['status'], string> = {
  inspected: 'not read', queued: 'queued', reading: 'reading', done: 'read', cancelled: 'cancelled', failed: 'failed',
};

export function Header() {
  const checkpoints = useStore(useShallow((s) => s.checkpoints));
  const activeKey = useStore((s) => s.activeKey);
  const busy = useStore((s) => s.busy);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const hasExample = checkpoints.some((c) => c.example);

  return (
    <header className={`topbar ${checkpoints.length > 1 ? 'many' : ''}`}>
      <div className="brand">
        <span className="logo" aria-hidden="true">
          <svg width="22" height="22" viewBox="0 0 22 22"><circle cx="11" cy="11" r="9.5" fill="none" stroke="currentColor" strokeWidth="1.6" /><path d="M3 15 Q 8 15 11 11 T 19 4" fill="none" stroke="#D55E00" strokeWidth="1.8" /><circle cx="11" cy="11" r="1.8" fill="currentColor" /></svg>
        </span>
        <span className="name">deadscope</span>
        <span className="tag">dead directions of a trained network, read in your browser</span>
      </div>
      <nav className="tabs" aria-label="loaded checkpoints">
        {checkpoints.map((c) => (
          <div key={c.key} className={`tab ${c.key === activeKey ? 'active' : ''}`} data-status={c.status}>
            <button type="button" className="tab-main" onClick={() => setActive(c.key)} aria-current={c.key === activeKey ? 'true' : undefined}
              title={`${c.name} — ${STATUS_TEXT[c.status]}`} data-testid="checkpoint-tab">
              <span className={`dot ${c.status}`} aria-hidden="true" />{c.name.replace(/\.safetensors$/i, '')}
            </button>
            <button type="button" className="tab-close" aria-label={`close ${c.name}`} onClick={() => removeCheckpoint(c.key)}>×</button>
          </div>
        ))}
        {busy ? <span className="muted small busy">{busy}</span> : null}
      </nav>
      <div className="actions">
        {!hasExample ? <button type="button" className="btn ghost" onClick={() => void loadExample()}>Example</button> : null}
        <button type="button" className="btn ghost" onClick={() => folderInput.current?.click()} title="Open a folder (Hugging Face layout: *.safetensors + config.json)">Open folder…</button>
        <button type="button" className="btn primary" onClick={() => fileInput.current?.click()}
          title="Checkpoint .safetensors, optionally with config.json and probe inputs (.safetensors); several checkpoints to compare">Open files…</button>
        <input ref={fileInput} type="file" multiple accept=".safetensors,.json,application/json" data-testid="file-input" className="visually-hidden"
          aria-label="open checkpoint files" onChange={(e) => { const f = e.target.files; if (f?.length) void openFiles(filesFromList(f)); e.target.value = ''; }} />
        <input ref={folderInput} type="file" multiple className="visually-hidden" aria-label="open a checkpoint folder" data-testid="folder-input"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(e) => { const f = e.target.files; if (f?.length) void openFiles(filesFromList(f)); e.target.value = ''; }} />
      </div>
    </header>
  );
}
