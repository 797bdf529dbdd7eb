/** The detector registry: a new detector is one file plus one line here. */
import type { Detector } from './types.ts';
import { nodeDeath } from './node-death.ts';
import { inactive } from './inactive.ts';
import { bottomSubspace } from './bottom-subspace.ts';
import { lnMean, lnScale, lnKernel } from './layernorm.ts';
import { reluRescaling } from './relu-rescaling.ts';
import { gluUnit } from './glu-unit.ts';
import { qkRotation, qkLinear, voLinear } from './attention.ts';
import { softmaxShift } from './softmax-shift.ts';
import { residualMean } from './residual-mean.ts';
import { dualFactor } from './dual-factor.ts';
import { lnRescaling, rmsRescaling } from './norm-rescaling.ts';

export const DETECTORS: readonly Detector[] = [nodeDeath, inactive, bottomSubspace, lnMean, lnScale, lnKernel, reluRescaling, gluUnit,
  qkRotation, qkLinear, voLinear, softmaxShift, residualMean, lnRescaling, rmsRescaling, dualFactor];

export function detectorsById(ids: string[] | null): Detector[] {
  if (!ids) return [...DETECTORS];
  return ids.map((id) => {
    const d = DETECTORS.find((x) => x.id === id);
    if (!d) throw new RangeError(`unknown detector "${id}" (known: ${DETECTORS.map((x) => x.id).join(', ')})`);
    return d;
  });
}
