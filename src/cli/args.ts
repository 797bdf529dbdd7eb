/** Command-line flags → read options. Every METHOD setting has a flag; see `deadscope read --help`. */
import { ACTIVATIONS, type Activation } from '../model/graph.ts';
import { parseActivation } from '../model/infer.ts';
import { DEFAULT_OPTIONS, HEAD_CHOICES, type ReadOptions } from '../read/options.ts';
import { InputError } from '../read/pipeline.ts';
import { DETECTORS } from '../detectors/registry.ts';
import { DEFAULT_SETTINGS, MAX_EIGEN_DIM, maxEigenDimProblem, positionsProblem, settingProblems, type Positions, type ReadSettings } from '../read/settings.ts';

/** The flag that sets each setting (the grid's three share one). */
const SETTING_FLAG: Record<keyof ReadSettings, string> = {
  tMin: '--grid TMIN', tMax: '--grid TMAX', perDecade: '--grid PER_DECADE', slopeTol: '--slope-tol', minDecades: '--min-decades',
  floorRatio: '--floor-ratio', numericalFloor: '--numerical-floor', liveProbes: '--live-probes', probe: '--probe', inputCap: '--input-cap', seed: '--seed',
  bottomK: '--bottom-k', alignmentRel: '--alignment-rel', rankRel: '--rank-rel',
};

export interface CliArgs {
  /** the first checkpoint (or folder) given */
  checkpoint: string;
  /** every checkpoint or folder given (several: a training run, one JSON each plus a series CSV) */
  checkpoints: string[];
  config: string | null;
  arch: string | null;
  inputs: string | null;
  out: string | null;
  options: Partial<ReadOptions>;
}

/** the most worker threads --threads may ask for (README, settings ranges) */
export const MAX_THREADS = 256;

const num = (flag: string, v: string): number => {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InputError('command line', `${flag} needs a number, got "${v}"`);
  return x;
};

/**
 * A comma-separated list of names, each once: an empty one (`--layers ,`) would read nothing and
 * exit 0 with an empty JSON, so it is bad input.
 */
const nameList = (flag: string, v: string, what: string): string[] => {
  const names = [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))];
  if (!names.length) throw new InputError('command line', `${flag} names no ${what}, got "${v}"`);
  return names;
};

export function parseReadArgs(argv: string[]): CliArgs {
  const options: Partial<ReadOptions> = {};
  const checkpoints: string[] = [];
  const files: Record<'config' | 'arch' | 'inputs' | 'out', string | null> = { config: null, arch: null, inputs: null, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      checkpoints.push(a);
      continue;
    }
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, null];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new InputError('command line', `${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--config': files.config = value(); break;
      case '--arch': files.arch = value(); break;
      case '--inputs': files.inputs = value(); break;
      case '--out': files.out = value(); break;
      case '--activation': {
        const v = value();
        const act = parseActivation(v);
        if (!act) throw new InputError('command line', `--activation must be one of ${ACTIVATIONS.join(', ')}, got "${v}"`);
        options.activation = act as Activation;
        break;
      }
      case '--input-scale': options.inputScale = num(flag, value()); break;
      case '--probe': options.probe = num(flag, value()); break;
      case '--input-cap': options.inputCap = num(flag, value()); break;
      case '--seed': options.seed = num(flag, value()); break;
      case '--head': {
        const v = value();
        const choice = HEAD_CHOICES.find((h) => h.value === v);
        if (!choice) throw new InputError('command line', `--head must be ${HEAD_CHOICES.map((h) => h.value).join(', ')}, got "${v}"`);
        options.head = choice.value;
        break;
      }
      case '--detectors': options.detectors = nameList(flag, value(), 'detector'); break;
      case '--grid': {
        const parts = value().split(',').map((s) => num(flag, s));
        if (parts.length !== 3) throw new InputError('command line', '--grid takes TMIN,TMAX,PER_DECADE');
        [options.tMin, options.tMax, options.perDecade] = parts;
        break;
      }
      case '--slope-tol': options.slopeTol = num(flag, value()); break;
      case '--min-decades': options.minDecades = num(flag, value()); break;
      case '--floor-ratio': options.floorRatio = num(flag, value()); break;
      case '--numerical-floor': options.numericalFloor = num(flag, value()); break;
      case '--live-probes': options.liveProbes = num(flag, value()); break;
      case '--bottom-k': options.bottomK = num(flag, value()); break;
      case '--alignment-rel': options.alignmentRel = num(flag, value()); break;
      case '--rank-rel': options.rankRel = num(flag, value()); break;
      case '--backend': {
        const v = value();
        if (v !== 'auto' && v !== 'cpu' && v !== 'webgpu') throw new InputError('command line', `--backend must be auto, cpu or webgpu, got "${v}"`);
        options.backend = v;
        break;
      }
      case '--threads': {
        const v = num(flag, value());
        // each worker thread holds its own copy of the engine's working memory: 256 is far past any
        // benefit on today's machines, and stops `--threads 100000` from starting 100000 workers
        if (!Number.isInteger(v) || v < 1 || v > MAX_THREADS) throw new InputError('command line', `--threads must be a whole number 1…${MAX_THREADS}, got ${v}`);
        options.threads = v;
        break;
      }
      case '--scope': {
        const v = value();
        if (v !== 'auto' && v !== 'whole' && v !== 'block-local') throw new InputError('command line', `--scope must be auto, whole or block-local, got "${v}"`);
        options.scope = v;
        break;
      }
      case '--context-cap': {
        const v = num(flag, value());
        if (!Number.isInteger(v) || v < 1 || v > 4096) throw new InputError('command line', `--context-cap must be a whole number 1…4096, got ${v}`);
        options.contextCap = v;
        break;
      }
      case '--max-eigen-dim': {
        const v = num(flag, value());
        const problem = maxEigenDimProblem(v);
        if (problem) throw new InputError('command line', `--max-eigen-dim ${problem}, got ${v}`);
        options.maxEigenDim = v;
        break;
      }
      case '--positions': {
        const v = value();
        const problem = positionsProblem(v);
        if (problem) throw new InputError('command line', `--positions ${problem}, got "${v}"`);
        options.positions = v as Positions;
        break;
      }
      case '--layers': options.layers = nameList(flag, value(), 'layer'); break;
      case '--precision': {
        const v = value();
        if (v !== 'f32' && v !== 'f64') throw new InputError('command line', `--precision must be f32 or f64, got "${v}"`);
        options.precision = v;
        break;
      }
      default:
        throw new InputError('command line', `unknown flag ${flag} (see deadscope read --help)`);
    }
  }
  if (!checkpoints.length) throw new InputError('command line', 'no checkpoint given (deadscope read CKPT …)');
  // the shared range check (src/read/settings.ts), reported under the flag that was given
  const given = { ...DEFAULT_SETTINGS, ...options } as ReadSettings;
  const problem = settingProblems(given)[0];
  if (problem) throw new InputError('command line', `${SETTING_FLAG[problem.key]} ${problem.message} (got ${given[problem.key]})`);
  if (options.inputScale !== undefined && !(options.inputScale > 0)) throw new InputError('command line', `--input-scale must be > 0 (got ${options.inputScale})`);
  return { checkpoint: checkpoints[0], checkpoints, ...files, options };
}

export const READ_HELP = `deadscope read CKPT [CKPT…] [options]

Reads the dead directions of a .safetensors checkpoint and prints deadscope.read/1 JSON.
Several checkpoints (or a folder of them: a training run, e.g. step_1000.safetensors or
checkpoint-1000/) are read with the same settings and probe: --out DIR then receives one
<name>.read.json per checkpoint and series.csv (one row per step: class census, λ, alignment,
numeric __metadata__ such as accuracies).

  --config F           Hugging Face config.json
  --arch F             explicit architecture JSON (README: "Architecture JSON")
  --activation A       ${ACTIVATIONS.join(' | ')} (default: __metadata__.activation, else relu with a warning)
  --inputs F           probe inputs safetensors (tensor "inputs", "tokens", "input_ids" or "images", else its only tensor)
  --input-scale X      U8 inputs are multiplied by X (default ${DEFAULT_OPTIONS.inputScale})
  --probe N            synthetic probe inputs when no --inputs are given (default ${DEFAULT_OPTIONS.probe})
  --input-cap N        use at most N of the given --inputs (default: all of them)
  --seed S             seed of every random choice (default ${DEFAULT_OPTIONS.seed})
  --head H             auto | regression | classification | logits (default auto; logits: a Gaussian
                       on the centred logits, which does not saturate where the softmax is confident)
  --detectors a,b      ${DETECTORS.map((d) => d.id).join(', ')} (default all)
  --grid TMIN,TMAX,PD  scan grid (default ${DEFAULT_OPTIONS.tMin},${DEFAULT_OPTIONS.tMax},${DEFAULT_OPTIONS.perDecade})
  --slope-tol X        flat-run slope tolerance, and a window reads order k only when |k̂ − k| ≤ X (default ${DEFAULT_OPTIONS.slopeTol})
  --min-decades X      shortest window in decades (default ${DEFAULT_OPTIONS.minDecades})
  --floor-ratio X      ρ, the floor ratio to the live reference (default ${DEFAULT_OPTIONS.floorRatio})
  --numerical-floor X  rounding-noise floor relative to max(F_live, max F) (default ${DEFAULT_OPTIONS.numericalFloor})
  --live-probes N      random directions per block for F_live (default ${DEFAULT_OPTIONS.liveProbes})
  --bottom-k N         K-FAC candidates per linear/conv layer, dual-factor per unit layer (default ${DEFAULT_OPTIONS.bottomK})
  --alignment-rel X    dead-subspace eigenvalue threshold (default ${DEFAULT_OPTIONS.alignmentRel})
  --rank-rel X         reduced-rank chain: singular values of B·A below X × the largest are zero (default ${DEFAULT_OPTIONS.rankRel})
  --backend B          auto | cpu | webgpu (default auto: WebGPU on a hardware adapter, else the CPU engine)
  --threads N          worker threads of the CPU engine, 1…256 (default 1; the F are the same for any N)
  --scope S            transformers: auto | whole | block-local (default auto: the whole network where it
                       assembles, else each block alone on synthetic inputs)
  --context-cap N      synthetic token probes: at most N positions (default ${DEFAULT_OPTIONS.contextCap})
  --positions last|all token transformers: the Fisher of the last position, or summed over every
                       position (the joint next-token likelihood; default ${DEFAULT_OPTIONS.positions})
  --layers L1,L2       read only these layers' directions (a shard for deadscope merge)
  --max-eigen-dim N    largest d × d matrix decomposed densely (1…${MAX_EIGEN_DIM}, default ${DEFAULT_OPTIONS.maxEigenDim}): a layer over it
                       is left out of that detector, axis alignment or chain rank, with a warning
  --precision P        f32 | f64: arithmetic of the CPU engine's fast scans (default f32; f64 is the reference)
  --out F              write the JSON to F instead of stdout (several checkpoints: a folder)

Exit status: 0 success, 2 bad input (one line on stderr), 1 internal error.`;
