/** A checkpoint's tensors rounded to F16 or BF16 (nearest even, by the writer), and the same rounded values written as F32. */
import { writeSafetensors, type WriterTensor } from '../../src/format/writer.ts';
import { bytesSource, openSafetensors } from '../../src/format/safetensors.ts';

export async function rounded(bytes: Uint8Array, dtype: 'F16' | 'BF16'): Promise<{ half: Uint8Array; f32: Uint8Array }> {
  const file = await openSafetensors(bytesSource(bytes), 'checkpoint.safetensors');
  const tensors: WriterTensor[] = [];
  for (const t of file.tensors) tensors.push({ name: t.name, dtype, shape: t.shape, data: await file.readFloat64(t.name) });
  const half = writeSafetensors(tensors, file.metadata ?? undefined);
  const back = await openSafetensors(bytesSource(half), 'half.safetensors');
  const f32: WriterTensor[] = [];
  for (const t of back.tensors) f32.push({ name: t.name, dtype: 'F32', shape: t.shape, data: await back.readFloat64(t.name) });
  return { half, f32: writeSafetensors(f32, file.metadata ?? undefined) };
}
