/** What the explorer shows of a loaded file before any read: tensor table and inferred architecture. */
import type { SafetensorsFile } from '../format/safetensors.ts';
import type { ModelGraph } from './graph.ts';

export interface TensorRow {
  name: string;
  dtype: string;
  shape: number[];
  params: number;
  supported: boolean;
  min: number | null;
  max: number | null;
  mean: number | null;
  nan: number;
  inf: number;
}

export interface CheckpointSummary {
  fileName: string;
  bytes: number;
  metadata: Record<string, string> | null;
  tensors: TensorRow[];
  params: number;
  architecture: ModelGraph | null;
  /** why the architecture could not be inferred (names the tensors it could not place) */
  architectureError: string | null;
  /** a recognised transformer: read block by block (src/read/block-local.ts) when no chain fits */
  transformer?: {
    family: string; label: string; blocks: { name: string; kind: string }[]; notes: string[];
    /** a hyperparameter the whole network needs that nothing gave: asked for in a config.json template */
    ask?: { missing: string; configTemplate: string } | null;
  } | null;
  warnings: string[];
}

/** Tensor statistics, one chunk of one tensor at a time (never a whole tensor in memory). */
export async function tensorTable(file: SafetensorsFile): Promise<TensorRow[]> {
  const rows: TensorRow[] = [];
  for (const info of file.tensors) {
    const row: TensorRow = {
      name: info.name, dtype: info.dtype, shape: info.shape, params: info.elements,
      supported: info.supported, min: null, max: null, mean: null, nan: 0, inf: 0,
    };
    if (info.supported) {
      // the values once, chunk by chunk of the file, outside the decode cache (a table of every tensor
      // would churn it): a 2 GB F32 tensor was a 4 GB f64 copy here
      let min = Infinity, max = -Infinity, sum = 0, finite = 0;
      for await (const chunk of file.float64Chunks(info.name)) {
        for (const v of chunk) {
          if (Number.isNaN(v)) row.nan++;
          else if (!Number.isFinite(v)) row.inf++;
          else { min = Math.min(min, v); max = Math.max(max, v); sum += v; finite++; }
        }
      }
      if (finite) { row.min = min; row.max = max; row.mean = sum / finite; }
    }
    rows.push(row);
  }
  return rows;
}
