/**
 * From whatever the user dropped (files, a folder, several checkpoints with companions) to
 * read jobs: one checkpoint each, with its config.json / architecture JSON / probe inputs.
 * Nothing leaves the page: files are read locally, by slices.
 */
import { mergeShards } from '../format/sharded.ts';
import type { ReadFiles } from '../worker/api.ts';

/** A file with the folder path it came from ('' for a loose file). */
export interface PickedFile { file: File; path: string }

export interface FileJob {
  files: ReadFiles;
  /** the checkpoint's path within the drop ('' for a loose file): carries the step of checkpoint-1000/ folders */
  path: string;
  /** names of the companion files (config, arch, inputs) */
  companions: string[];
}

export interface Grouped {
  jobs: FileJob[];
  /** probe inputs given without a checkpoint: meant for the loaded model */
  looseInputs: File | null;
  looseConfig: File | null;
  notices: string[];
}

const SHARD = /-\d{5}-of-\d{5}\.safetensors$/i;
const SHARD_INDEX = /\.safetensors\.index\.json$/i;
const HF_SIDE_FILES = /index\.json$|tokenizer|generation_config|special_tokens|added_tokens|vocab\.json$|trainer_state\.json$|preprocessor_config|processor_config|adapter_config|scheduler_config/i;
const INPUT_NAMES = new Set(['images', 'inputs', 'input', 'x', 'data', 'tokens', 'input_ids', 'samples', 'labels', 'targets', 'y']);

function dirOf(p: PickedFile): string {
  const path = p.path || p.file.webkitRelativePath || '';
  const i = path.lastIndexOf('/');
  return i >= 0 ? path.slice(0, i) : '';
}

function stem(name: string): string {
  return name.replace(/\.config\.json$/i, '').replace(/\.(safetensors|json)$/i, '');
}

/**
 * Tensor names from a safetensors header (first 8 bytes = header length, then JSON), or null
 * when the header cannot be parsed: the reader will then name what is wrong with the file.
 */
export async function peekTensorNames(file: Blob): Promise<string[] | null> {
  try {
    if (file.size < 8) return null;
    const head = new DataView(await file.slice(0, 8).arrayBuffer());
    const n = Number(head.getBigUint64(0, true));
    if (!(n > 1) || n > 10_000_000 || 8 + n > file.size) return null;
    const json = JSON.parse(new TextDecoder().decode(await file.slice(8, 8 + n).arrayBuffer())) as Record<string, unknown>;
    return Object.keys(json).filter((k) => k !== '__metadata__');
  } catch {
    return null;
  }
}

/** Probe inputs hold data tensors (images, inputs, …) and no layer weights. */
export function looksLikeInputs(names: string[] | null, fileName: string): boolean {
  if (!names || names.length === 0) return false;
  if (names.some((n) => /(^|\.)(weight|bias|kernel|wte|wpe)$/i.test(n) || n.includes('.'))) return false;
  if (names.some((n) => INPUT_NAMES.has(n.toLowerCase()))) return true;
  return /(input|probe|images|dataset|test-\d+)/i.test(fileName);
}

/** Split a drop into read jobs. */
export async function groupFiles(picked: PickedFile[]): Promise<Grouped> {
  const notices: string[] = [];
  const checkpoints: PickedFile[] = [];
  const inputs: PickedFile[] = [];
  const configs: PickedFile[] = [];
  const archs: PickedFile[] = [];
  const shards: PickedFile[] = [];
  const indexes: PickedFile[] = [];
  for (const p of picked) {
    const name = p.file.name;
    const lower = name.toLowerCase();
    if (lower.endsWith('.safetensors')) {
      if (SHARD.test(name)) { shards.push(p); continue; }
      if (looksLikeInputs(await peekTensorNames(p.file), name)) inputs.push(p); else checkpoints.push(p);
    } else if (lower === 'config.json' || lower.endsWith('.config.json')) {
      configs.push(p);
    } else if (SHARD_INDEX.test(lower)) {
      indexes.push(p);
    } else if (lower.endsWith('.json')) {
      // what a Hugging Face model or Trainer checkpoint folder holds besides config.json: not a layer list
      if (HF_SIDE_FILES.test(lower)) continue;
      archs.push(p);
    } else if (!p.path) {
      notices.push(`${name}: not a .safetensors or .json file; ignored`);
    }
  }

  // sharded Hugging Face checkpoints: each index with the shards beside it, merged lazily into one file
  const usedShards = new Set<PickedFile>();
  for (const index of indexes) {
    const beside = shards.filter((sh) => dirOf(sh) === dirOf(index));
    try {
      const merged = await mergeShards(await index.file.text(), index.file.name, new Map(beside.map((sh) => [sh.file.name, sh.file])));
      checkpoints.push({ file: new File([merged], index.file.name), path: index.path });
      for (const sh of beside) usedShards.add(sh);
    } catch (e) {
      notices.push((e as Error).message);
    }
  }
  for (const sh of shards) if (!usedShards.has(sh) && !indexes.length) notices.push(`${sh.file.name}: a shard of a sharded checkpoint, without its model.safetensors.index.json; skipped (drop the whole folder)`);

  const match = (cands: PickedFile[], ck: PickedFile): PickedFile | undefined => {
    if (cands.length === 0) return undefined;
    const byStem = cands.find((c) => stem(c.file.name) === stem(ck.file.name));
    if (byStem) return byStem;
    const sameDir = cands.filter((c) => dirOf(c) === dirOf(ck));
    if (dirOf(ck) && sameDir.length === 1) return sameDir[0];
    return checkpoints.length === 1 && cands.length === 1 ? cands[0] : undefined;
  };

  // checkpoint-1000/model.safetensors, checkpoint-2000/model.safetensors: named by their folder
  const sameName = (ck: PickedFile) => checkpoints.filter((c) => c.file.name === ck.file.name).length > 1;
  const jobs: FileJob[] = checkpoints.map((ck) => {
    const config = match(configs, ck);
    const arch = match(archs, ck);
    const input = match(inputs, ck) ?? (inputs.length === 1 ? inputs[0] : undefined);
    return {
      files: {
        checkpoint: ck.file,
        checkpointName: sameName(ck) && dirOf(ck) ? `${dirOf(ck)}/${ck.file.name}` : ck.file.name,
        config: config?.file ?? null,
        arch: arch?.file ?? null,
        inputs: input?.file ?? null,
        inputsName: input?.file.name ?? null,
      },
      companions: [config, arch, input].filter((x): x is PickedFile => !!x).map((x) => x.file.name),
      path: ck.path || ck.file.webkitRelativePath || '',
    };
  });

  return {
    jobs,
    looseInputs: checkpoints.length === 0 && inputs.length ? inputs[0].file : null,
    looseConfig: checkpoints.length === 0 && configs.length ? configs[0].file : null,
    notices,
  };
}

// ---- drag and drop: files and folders ---------------------------------------------------------

function readAllEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () => reader.readEntries((batch) => {
      if (batch.length === 0) resolve(out);
      else { out.push(...batch); next(); }
    }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, path: string, out: PickedFile[], depth: number): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ file, path: `${path}${entry.name}` });
  } else if (entry.isDirectory && depth < 4) {
    const children = await readAllEntries((entry as FileSystemDirectoryEntry).createReader());
    for (const c of children) await walk(c, `${path}${entry.name}/`, out, depth + 1);
  }
}

/** Files from a drop, descending into dropped folders (Hugging Face layout: *.safetensors + config.json). */
export async function filesFromDataTransfer(dt: DataTransfer): Promise<PickedFile[]> {
  const items = Array.from(dt.items ?? []).filter((i) => i.kind === 'file');
  const entries = items.map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null));
  if (entries.some((e) => e?.isDirectory)) {
    const out: PickedFile[] = [];
    for (let i = 0; i < items.length; i++) {
      const e = entries[i];
      if (e) await walk(e, '', out, 0);
      else { const f = items[i].getAsFile(); if (f) out.push({ file: f, path: '' }); }
    }
    return out;
  }
  return Array.from(dt.files).map((file) => ({ file, path: '' }));
}

export function filesFromList(list: FileList | File[]): PickedFile[] {
  return Array.from(list).map((file) => ({ file, path: file.webkitRelativePath || '' }));
}
