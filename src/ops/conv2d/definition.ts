/** 2-D convolution over [C, H, W]; W is PyTorch's [outC, inC, kh, kw]. */
import type { OpDefinition } from '../types.ts';
import { allPositions } from '../positions-read.ts';

export interface Conv2dOp {
  kind: 'conv2d';
  layer: string;
  weight: string;
  bias: string | null;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
}

export const conv2dDefinition: OpDefinition<'conv2d'> = {
  kind: 'conv2d',
  arity: 1,
  unitwise: false,
  positionsRead: allPositions,
  outputShape(op, [input]) {
    const [, h, w] = input;
    return [
      op.outChannels,
      Math.floor((h + 2 * op.padding[0] - op.kernel[0]) / op.stride[0]) + 1,
      Math.floor((w + 2 * op.padding[1] - op.kernel[1]) / op.stride[1]) + 1,
    ];
  },
  inputError(op, [s]) {
    if (s.length !== 3 || s[0] !== op.inChannels) return `expects ${op.inChannels} channels, gets shape [${s}]`;
    if (s[1] + 2 * op.padding[0] < op.kernel[0] || s[2] + 2 * op.padding[1] < op.kernel[1]) return `kernel ${op.kernel.join('×')} exceeds the padded input [${s}]`;
    return null;
  },
  tensors: (op) => [op.weight, ...(op.bias ? [op.bias] : [])],
  tensorSpecs: (op) => [
    { name: op.weight, shape: [op.outChannels, op.inChannels, ...op.kernel], role: 'weight' },
    ...(op.bias ? [{ name: op.bias, shape: [op.outChannels], role: 'bias' as const }] : []),
  ],
  fromArch(layer, ctx) {
    const w = ctx.need(ctx.name('weight'));
    if (w.shape.length !== 4) ctx.bad(`layer ${ctx.index}: "${w.name}" is not 4-D`);
    const st = Number(layer.stride ?? 1);
    const pad = Number(layer.padding ?? 0);
    return {
      kind: 'conv2d', layer: layer.prefix ?? '', weight: w.name, bias: ctx.optional(ctx.name('bias')), outChannels: w.shape[0], inChannels: w.shape[1],
      kernel: [w.shape[2], w.shape[3]], stride: [st, st], padding: [pad, pad],
    };
  },
  toArch: (op) => ({ op: 'conv2d', prefix: op.layer, stride: op.stride[0], padding: op.padding[0] }),
  label: (op) => ({
    kind: 'Conv2d',
    detail: `${op.inChannels} → ${op.outChannels}, ${op.kernel.join('×')}${op.stride[0] !== 1 ? `, stride ${op.stride[0]}` : ''}${op.padding[0] ? `, pad ${op.padding[0]}` : ''}`,
    name: op.layer,
  }),
};
