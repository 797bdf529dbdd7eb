/**
 * Checks the probe against the model (METHOD §1: E_x is over the user's data): when the probe
 * inputs come with labels, how well does the model do on them? A read on inputs the model was
 * not trained for (wrong pixel scale, wrong dataset) describes the model off its data; the
 * check says so instead of letting the read pass for one on the data.
 *
 * - classification: accuracy (argmax of the logits) and mean cross-entropy in nats; `chance` is
 *   the majority-class rate of the labels (what always answering the commonest label scores);
 * - regression: mean squared error and R² = 1 − MSE / Var(targets) (0 for predicting the mean).
 * `nearChance`: the model is less than a quarter of the way from chance to perfect
 * (accuracy < chance + (1 − chance)/4; for regression R² < 1/4) — docs/METHOD.md notes.
 */
import { readsLogits, type Head } from '../engine/types.ts';

export interface ProbeLabelCheck {
  /** the labels' tensor in the inputs file */
  tensor: string;
  /** samples checked (the probe's count) */
  count: number;
  head: Head;
  /** classification: fraction correct; null for regression */
  accuracy: number | null;
  /** classification: majority-class rate of the labels; null for regression */
  chance: number | null;
  /** regression: 1 − MSE/Var(targets); null for classification */
  r2: number | null;
  /** mean cross-entropy (nats) or mean squared error */
  loss: number;
  lossKind: 'cross-entropy' | 'mse';
  nearChance: boolean;
}

export interface ProbeReport {
  /** what the probe was, in words (settings.inputs says the same) */
  description: string;
  source: 'given' | 'synthetic';
  count: number;
  /** factor applied to U8 inputs and where it came from; null when the inputs are not U8 */
  inputScale: { value: number; from: 'setting' | 'metadata' | 'default' } | null;
  /** null when the inputs carry no labels (or are synthetic) */
  labels: ProbeLabelCheck | null;
}

/**
 * `__metadata__.input_scale` as a number: a decimal ("0.00392", "1") or a fraction ("1/255");
 * null when absent; a RangeError with a plain message when present but not a positive number.
 */
export function metadataInputScale(metadata: Record<string, string> | null | undefined): number | null {
  const raw = metadata?.input_scale;
  if (raw === undefined) return null;
  const m = /^\s*([0-9.eE+-]+)\s*(?:\/\s*([0-9.eE+-]+)\s*)?$/.exec(raw);
  const v = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`__metadata__.input_scale "${raw}" is not a positive number`);
  return v;
}

/**
 * Accuracy/loss of the model's outputs on labelled probe inputs.
 * outputs: count × width (logits for classification, predictions for regression), row-major;
 * labels: count class indices (classification) or count × width targets (regression).
 */
export function checkLabels(head: Head, outputs: ArrayLike<number>, width: number, labels: ArrayLike<number>, count: number, tensor: string): ProbeLabelCheck {
  if (outputs.length !== count * width) throw new RangeError(`checkLabels: ${outputs.length} outputs for ${count} × ${width}`);
  if (readsLogits(head)) {
    if (labels.length !== count) throw new RangeError(`labels "${tensor}" hold ${labels.length} values for ${count} samples`);
    let correct = 0;
    let nll = 0;
    const freq = new Map<number, number>();
    for (let s = 0; s < count; s++) {
      const y = labels[s];
      if (!(Number.isInteger(y) && y >= 0 && y < width)) throw new RangeError(`label ${y} of sample ${s} is not a class index 0…${width - 1}`);
      freq.set(y, (freq.get(y) ?? 0) + 1);
      let best = 0;
      let max = -Infinity;
      for (let c = 0; c < width; c++) {
        const z = outputs[s * width + c];
        if (z > max) { max = z; best = c; }
      }
      if (best === y) correct++;
      let sum = 0;
      for (let c = 0; c < width; c++) sum += Math.exp(outputs[s * width + c] - max);
      nll += max + Math.log(sum) - outputs[s * width + y];
    }
    const accuracy = correct / count;
    const chance = Math.max(...freq.values()) / count;
    return {
      tensor, count, head, accuracy, chance, r2: null, loss: nll / count, lossKind: 'cross-entropy',
      nearChance: accuracy < chance + (1 - chance) / 4,
    };
  }
  if (labels.length !== count * width) throw new RangeError(`targets "${tensor}" hold ${labels.length} values for ${count} × ${width} outputs`);
  let se = 0;
  const mean = new Float64Array(width);
  for (let s = 0; s < count; s++) for (let c = 0; c < width; c++) mean[c] += labels[s * width + c] / count;
  let variance = 0;
  for (let s = 0; s < count; s++) {
    for (let c = 0; c < width; c++) {
      se += (outputs[s * width + c] - labels[s * width + c]) ** 2;
      variance += (labels[s * width + c] - mean[c]) ** 2;
    }
  }
  const mse = se / (count * width);
  const r2 = variance > 0 ? 1 - se / variance : mse === 0 ? 1 : -Infinity;
  return { tensor, count, head, accuracy: null, chance: null, r2, loss: mse, lossKind: 'mse', nearChance: r2 < 0.25 };
}

/** One warning line for a check near chance, or null. */
export function probeWarning(p: ProbeReport): string | null {
  const l = p.labels;
  if (!l || !l.nearChance) return null;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const how = l.accuracy !== null
    ? `${pct(l.accuracy)} accurate on its ${l.count} labelled probe inputs (chance ${pct(l.chance!)})`
    : `R² ${l.r2!.toFixed(3)} on its ${l.count} labelled probe inputs`;
  const scale = p.inputScale ? ` Inputs were scaled by ${Number(p.inputScale.value.toPrecision(6))} (${p.inputScale.from}); a model trained on other pixel units needs --input-scale or __metadata__.input_scale.` : '';
  return `PROBE CHECK: the model is ${how}: near chance, so these probe inputs are not what it was trained on and the read describes it off its data.${scale}`;
}
