/** The explorer: drop zone over the whole window, header, settings column, figures, tables. */
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { loadBackendInfo, loadExample, openFiles } from '../state/actions.ts';
import { filesFromDataTransfer } from '../state/files.ts';
import { activeCheckpoint, getState, scrolled, unpin, useStore, type LoadedCheckpoint } from '../state/store.ts';
import type { ReadResult } from '../read/schema.ts';
import { Banners } from './components/Banners.tsx';
import { BlockTable } from './components/BlockTable.tsx';
import { DirectionTable } from './components/DirectionTable.tsx';
import { Figures } from './components/Figures.tsx';
import { Header } from './components/Header.tsx';
import { Sidebar } from './components/Sidebar.tsx';
import { Summary } from './components/Summary.tsx';
import { TensorTable } from './components/TensorTable.tsx';
import { TrainingRun } from './components/TrainingRun.tsx';
import { Compare } from './components/Compare.tsx';
import { Tooltip } from './components/Tooltip.tsx';
import { download, fileStem, resultCsv, resultJson } from './export.ts';

let started = false;

/**
 * What the export writes: the finished read, else (after a cancel or a failure) the directions
 * read so far, marked `partial`, with what the page knows of the checkpoint.
 */
export function exportableResult(c: LoadedCheckpoint | null): ReadResult | null {
  if (!c) return null;
  if (c.result) return c.result;
  if (c.status === 'reading' || c.status === 'queued' || !c.partial.length) return null;
  const settings = getState().settings;
  const partial = {
    schema: 'deadscope.read/1' as const,
    partial: true,
    checkpoint: { path: c.name, bytes: c.summary.bytes, sha256: '', params: c.summary.params, tensors: c.summary.tensors.length, architecture: c.summary.architecture },
    settings: { ...settings, head: c.overrides.head, activation: c.overrides.activation ?? c.summary.architecture?.activation ?? '', inputs: c.files.inputsName ?? '', detectors: [] },
    directions: c.partial,
    layers: [],
    warnings: [c.readError ?? 'partial read'],
  };
  return partial as unknown as ReadResult;
}

function ExportBar() {
  const c = useStore(activeCheckpoint);
  const r = exportableResult(c);
  const stem = c ? fileStem(c.name) + (c.result ? '' : '.partial') : 'deadscope';
  return (
    <div className="export-bar">
      <span className="muted small">Results</span>
      {/* data-checkpoint: whose read the export writes (tests wait on it, not on "enabled", which another checkpoint's read also satisfies) */}
      <button type="button" className="btn small" data-testid="export-json" disabled={!r} data-checkpoint={r && c ? c.name : undefined}
        onClick={() => r && download(resultJson(r), `${stem}.read.json`, 'application/json')}
        title="The read as JSON, in the same schema as the CLI (deadscope.read/1)">JSON</button>
      <button type="button" className="btn small" data-testid="export-csv" disabled={!r}
        onClick={() => r && download(resultCsv(r), `${stem}.directions.csv`, 'text/csv')}
        title="One row per direction">CSV</button>
    </div>
  );
}

export function App() {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    if (started) return;
    started = true;
    void loadBackendInfo();
    void loadExample();
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') unpin(); };
    // a scrolled page leaves the tooltip's anchor behind: hide it (the highlight stays)
    const onScroll = () => scrolled();
    window.addEventListener('keydown', onKey);
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => { window.removeEventListener('keydown', onKey); window.removeEventListener('scroll', onScroll); };
  }, []);

  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const onDragEnter = (e: DragEvent) => { if (!hasFiles(e)) return; e.preventDefault(); depth.current++; setDragging(true); };
  const onDragOver = (e: DragEvent) => { if (!hasFiles(e)) return; e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; };
  const onDragLeave = () => { depth.current = Math.max(0, depth.current - 1); if (depth.current === 0) setDragging(false); };
  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    depth.current = 0;
    setDragging(false);
    const picked = await filesFromDataTransfer(e.dataTransfer);
    await openFiles(picked);
  };

  return (
    <div className="app" data-testid="drop-zone" onDragEnter={onDragEnter} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={(e) => void onDrop(e)}>
      <Header />
      <div className="layout">
        <Sidebar />
        <main className="main">
          <Banners />
          <div className="main-head">
            <Summary />
            <ExportBar />
          </div>
          <TrainingRun />
          <BlockTable />
          <Figures />
          <DirectionTable />
          <Compare />
          <TensorTable />
          <footer className="footer muted small">
            Files are read in this tab and never uploaded. Method: directional Fisher scans along each candidate direction;
            order k̂ = 1 + α/2 on the asymptotic window, λ = 1/(2k). Hover a row or a curve to highlight it everywhere; Enter or click pins, Esc unpins.
          </footer>
        </main>
      </div>
      <Tooltip />
      {dragging ? (
        <div className="drop-overlay" aria-hidden="true">
          <div className="drop-card">
            <strong>Drop to read</strong>
            <span>a .safetensors checkpoint — with config.json and probe inputs, several checkpoints to compare, or a model folder</span>
          </div>
        </div>
      ) : null}
    </div>
  );
}
