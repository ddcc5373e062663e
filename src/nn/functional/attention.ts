// torch.nn.functional.multi_head_attention_forward, step for step as PyTorch 1.13 computes it (in-projection
// of the packed or separate weights, masks merged into one additive float mask, q scaled by 1/sqrt(head_dim),
// baddbmm/bmm, softmax, dropout, bmm, out-projection), so that results and gradients are PyTorch's.
import { Tensor } from '../../tensor.js';
import { cat, zeros, zerosLike } from '../../creation.js';
import { op } from '../../native/ops.js';
import { linear } from './linear.js';
import { softmax } from './activation.js';
import { dropout } from './dropout.js';
import { pad } from './padding.js';
import { defn } from '../../args.js';

const baddbmm = op('aten::baddbmm');

/** Dtype tests in one place (tensor dtypes are about to become objects, see the port branch). */
export const isBoolTensor = (t: Tensor): boolean => t.dtype.name === 'bool';
export const isUint8Tensor = (t: Tensor): boolean => t.dtype.name === 'uint8';

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(`multiHeadAttentionForward: ${message}`);
}

const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const shapeStr = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** A key padding mask must be bool or floating point (PyTorch asserts the same). */
export function checkKeyPaddingMaskDtype(mask: Tensor | null | undefined, what = 'keyPaddingMask'): void {
  if (mask && !isBoolTensor(mask) && !mask.isFloatingPoint()) {
    throw new TypeError(`${what}: only bool and floating types of key_padding_mask are supported, got ${mask.dtype}`);
  }
}

/** PyTorch's _mha_shape_check: whether the query is batched (3-d) or not (2-d), with the masks' dimensions checked. */
export function mhaShapeCheck(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor | null, attnMask: Tensor | null, numHeads: number): boolean {
  if (query.ndim === 3) {
    check(key.ndim === 3 && value.ndim === 3, `for batched (3-D) query, expected key and value to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    if (keyPaddingMask) check(keyPaddingMask.ndim === 2, `for batched (3-D) query, expected keyPaddingMask to be null or 2-D but found ${keyPaddingMask.ndim}-D tensor instead`);
    if (attnMask) check(attnMask.ndim === 2 || attnMask.ndim === 3, `for batched (3-D) query, expected attnMask to be null, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
    return true;
  }
  if (query.ndim === 2) {
    check(key.ndim === 2 && value.ndim === 2, `for unbatched (2-D) query, expected key and value to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
    if (keyPaddingMask) check(keyPaddingMask.ndim === 1, `for unbatched (2-D) query, expected keyPaddingMask to be null or 1-D but found ${keyPaddingMask.ndim}-D tensor instead`);
    if (attnMask) {
      check(attnMask.ndim === 2 || attnMask.ndim === 3, `for unbatched (2-D) query, expected attnMask to be null, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      if (attnMask.ndim === 3) {
        const expected = [numHeads, query.shape[0]!, key.shape[0]!];
        check(same(attnMask.shape, expected), `expected attnMask shape to be ${shapeStr(expected)} but got ${shapeStr(attnMask.shape)}`);
      }
    }
    return false;
  }
  throw new RangeError(`multiHeadAttentionForward: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
}

/** q, k, v projected with one packed weight [3E, E]; self-attention and shared key/value are one matmul each. */
function inProjectionPacked(q: Tensor, k: Tensor, v: Tensor, w: Tensor, b: Tensor | null): Tensor[] {
  const E = q.shape[q.ndim - 1]!;
  if (k === v) {
    if (q === k) return linear(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, E * 2]);
    const [bq, bkv] = b === null ? [null, null] : b.split([E, E * 2]);
    return [linear(q, wq!, bq), ...linear(k, wkv!, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b === null ? [null, null, null] : b.chunk(3);
  return [linear(q, wq!, bq), linear(k, wk!, bk), linear(v, wv!, bv)];
}

/** q, k, v projected with separate weights (kdim/vdim different from embedDim). */
function inProjection(q: Tensor, k: Tensor, v: Tensor, wq: Tensor, wk: Tensor, wv: Tensor, bq: Tensor | null, bk: Tensor | null, bv: Tensor | null): Tensor[] {
  const Eq = q.shape[q.ndim - 1]!, Ek = k.shape[k.ndim - 1]!, Ev = v.shape[v.ndim - 1]!;
  for (const [name, t, expected] of [['query', wq, [Eq, Eq]], ['key', wk, [Eq, Ek]], ['value', wv, [Eq, Ev]]] as const) {
    check(same(t.shape, expected), `expecting ${name} weights shape of ${shapeStr(expected)}, but got ${shapeStr(t.shape)}`);
  }
  for (const [name, t] of [['query', bq], ['key', bk], ['value', bv]] as const) {
    if (t) check(same(t.shape, [Eq]), `expecting ${name} bias shape of [${Eq}], but got ${shapeStr(t.shape)}`);
  }
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

export interface MultiHeadAttentionOptions {
  training?: boolean;
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  attnMask?: Tensor | null;
  useSeparateProjWeight?: boolean;
  qProjWeight?: Tensor | null;
  kProjWeight?: Tensor | null;
  vProjWeight?: Tensor | null;
  staticK?: Tensor | null;
  staticV?: Tensor | null;
  averageAttnWeights?: boolean;
}

/**
 * Multi-head attention on sequence-first inputs: query (L, N, E) or (L, E), key/value (S, N, E) or (S, E).
 * Returns the output (L, N, E) and, with needWeights, the attention weights (N, L, S), averaged over heads
 * unless averageAttnWeights is false (then (N, heads, L, S)); null otherwise.
 */
function multiHeadAttentionForwardImpl(
  query: Tensor, key: Tensor, value: Tensor, embedDimToCheck: number, numHeads: number,
  inProjWeight: Tensor | null, inProjBias: Tensor | null, biasK: Tensor | null, biasV: Tensor | null,
  addZeroAttn: boolean, dropoutP: number, outProjWeight: Tensor, outProjBias: Tensor | null,
  o: MultiHeadAttentionOptions = {},
): [Tensor, Tensor | null] {
  const training = o.training ?? true;
  const needWeights = o.needWeights ?? true;
  let keyPaddingMask = o.keyPaddingMask ?? null;
  let attnMask = o.attnMask ?? null;
  const isBatched = mhaShapeCheck(query, key, value, keyPaddingMask, attnMask, numHeads);
  // Unbatched inputs get a batch dimension of 1 (keeping the identity of query/key/value, which chooses the
  // in-projection path below).
  if (!isBatched) {
    const kv = key === value;
    const qk = query === key;
    query = query.unsqueeze(1);
    key = qk ? query : key.unsqueeze(1);
    value = kv ? key : value.unsqueeze(1);
    if (keyPaddingMask) keyPaddingMask = keyPaddingMask.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  const srcLen0 = key.shape[0]!;
  checkKeyPaddingMaskDtype(keyPaddingMask);
  check(embedDim === embedDimToCheck, `was expecting embedding dimension of ${embedDimToCheck}, but got ${embedDim}`);
  const headDim = Math.trunc(embedDim / numHeads);
  check(headDim * numHeads === embedDim, `embed_dim ${embedDim} not divisible by num_heads ${numHeads}`);
  if (o.useSeparateProjWeight) {
    check(same(key.shape.slice(0, 2), value.shape.slice(0, 2)), `key's sequence and batch dims ${shapeStr(key.shape.slice(0, 2))} do not match value's ${shapeStr(value.shape.slice(0, 2))}`);
  } else {
    check(same(key.shape, value.shape), `key shape ${shapeStr(key.shape)} does not match value shape ${shapeStr(value.shape)}`);
  }

  let q: Tensor, k: Tensor, v: Tensor;
  if (!o.useSeparateProjWeight) {
    if (!inProjWeight) throw new TypeError('multiHeadAttentionForward: useSeparateProjWeight is false but inProjWeight is null');
    [q, k, v] = inProjectionPacked(query, key, value, inProjWeight, inProjBias) as [Tensor, Tensor, Tensor];
  } else {
    if (!o.qProjWeight || !o.kProjWeight || !o.vProjWeight) {
      throw new TypeError('multiHeadAttentionForward: useSeparateProjWeight is true but qProjWeight, kProjWeight or vProjWeight is null');
    }
    const [bq, bk, bv] = inProjBias === null ? [null, null, null] : inProjBias.chunk(3);
    [q, k, v] = inProjection(query, key, value, o.qProjWeight, o.kProjWeight, o.vProjWeight, bq ?? null, bk ?? null, bv ?? null) as [Tensor, Tensor, Tensor];
  }

  if (attnMask) {
    if (isUint8Tensor(attnMask)) {
      process.emitWarning('Byte tensor for attn_mask in nn.MultiheadAttention is deprecated. Use bool tensor instead.');
      attnMask = attnMask.to('bool');
    } else if (!attnMask.isFloatingPoint() && !isBoolTensor(attnMask)) {
      throw new TypeError(`multiHeadAttentionForward: only float, byte, and bool types are supported for attnMask, not ${attnMask.dtype}`);
    }
    if (attnMask.ndim === 2) {
      if (!same(attnMask.shape, [tgtLen, srcLen0])) throw new RangeError(`The shape of the 2D attnMask is ${shapeStr(attnMask.shape)}, but should be [${tgtLen}, ${srcLen0}].`);
      attnMask = attnMask.unsqueeze(0);
    } else if (attnMask.ndim === 3) {
      const expected = [bsz * numHeads, tgtLen, srcLen0];
      if (!same(attnMask.shape, expected)) throw new RangeError(`The shape of the 3D attnMask is ${shapeStr(attnMask.shape)}, but should be ${shapeStr(expected)}.`);
    } else {
      throw new RangeError(`attnMask's dimension ${attnMask.ndim} is not supported`);
    }
  }

  if (biasK && biasV) {
    if (o.staticK) throw new TypeError('multiHeadAttentionForward: bias cannot be added to static key.');
    if (o.staticV) throw new TypeError('multiHeadAttentionForward: bias cannot be added to static value.');
    k = cat([k, biasK.repeat(1, bsz, 1)]);
    v = cat([v, biasV.repeat(1, bsz, 1)]);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  } else if (biasK || biasV) {
    throw new TypeError('multiHeadAttentionForward: biasK and biasV must be given together');
  }

  // (L, N, E) -> (N * heads, L, head_dim)
  q = q.contiguous().view(tgtLen, bsz * numHeads, headDim).transpose(0, 1);
  if (!o.staticK) {
    k = k.contiguous().view(k.shape[0]!, bsz * numHeads, headDim).transpose(0, 1);
  } else {
    check(o.staticK.shape[0] === bsz * numHeads, `expecting staticK.size(0) of ${bsz * numHeads}, but got ${o.staticK.shape[0]}`);
    check(o.staticK.shape[2] === headDim, `expecting staticK.size(2) of ${headDim}, but got ${o.staticK.shape[2]}`);
    k = o.staticK;
  }
  if (!o.staticV) {
    v = v.contiguous().view(v.shape[0]!, bsz * numHeads, headDim).transpose(0, 1);
  } else {
    check(o.staticV.shape[0] === bsz * numHeads, `expecting staticV.size(0) of ${bsz * numHeads}, but got ${o.staticV.shape[0]}`);
    check(o.staticV.shape[2] === headDim, `expecting staticV.size(2) of ${headDim}, but got ${o.staticV.shape[2]}`);
    v = o.staticV;
  }

  if (addZeroAttn) {
    const zeroAttnShape = [bsz * numHeads, 1, headDim];
    k = cat([k, zeros(zeroAttnShape, { dtype: k.dtype, device: k.device })], 1);
    v = cat([v, zeros(zeroAttnShape, { dtype: v.dtype, device: v.device })], 1);
    if (attnMask) attnMask = pad(attnMask, [0, 1]);
    if (keyPaddingMask) keyPaddingMask = pad(keyPaddingMask, [0, 1]);
  }

  const srcLen = k.shape[1]!;
  if (keyPaddingMask) {
    check(same(keyPaddingMask.shape, [bsz, srcLen]), `expecting keyPaddingMask shape of [${bsz}, ${srcLen}], but got ${shapeStr(keyPaddingMask.shape)}`);
    keyPaddingMask = keyPaddingMask.view(bsz, 1, 1, srcLen).expand(-1, numHeads, -1, -1).reshape(bsz * numHeads, 1, srcLen);
    if (!attnMask) attnMask = keyPaddingMask;
    else if (isBoolTensor(attnMask)) attnMask = attnMask.logicalOr(keyPaddingMask);
    else attnMask = attnMask.maskedFill(keyPaddingMask, -Infinity);
  }
  // a boolean mask becomes an additive one: -inf where attention is not allowed
  if (attnMask && isBoolTensor(attnMask)) {
    attnMask = zerosLike(attnMask, { dtype: q.dtype }).maskedFill_(attnMask, -Infinity);
  }
  const p = training ? dropoutP : 0.0;

  const E = q.shape[2]!;
  const qScaled = q.div(Math.sqrt(E));
  let weights = attnMask
    ? new Tensor(baddbmm(attnMask._h, qScaled._h, k.transpose(-2, -1)._h))
    : qScaled.bmm(k.transpose(-2, -1));
  weights = softmax(weights, -1);
  if (p > 0.0) weights = dropout(weights, { p });
  let out = weights.bmm(v);
  out = out.transpose(0, 1).contiguous().view(tgtLen * bsz, embedDim);
  out = linear(out, outProjWeight, outProjBias);
  out = out.view(tgtLen, bsz, out.shape[1]!);

  if (needWeights) {
    weights = weights.view(bsz, numHeads, tgtLen, srcLen);
    if (o.averageAttnWeights ?? true) weights = weights.sum(1).div(numHeads);
    if (!isBatched) {
      out = out.squeeze(1);
      weights = weights.squeeze(0);
    }
    return [out, weights];
  }
  if (!isBatched) out = out.squeeze(1);
  return [out, null];
}

/** PyTorch's multi_head_attention_forward order: the 13 leading parameters, then the optional ones positionally or by name. */
export const multiHeadAttentionForward = defn('multiHeadAttentionForward', 'torch.nn.functional.multi_head_attention_forward',
  'query, key, value, embedDimToCheck, numHeads, inProjWeight, inProjBias, biasK, biasV, addZeroAttn, dropoutP, outProjWeight, outProjBias',
  ['training', 'keyPaddingMask', 'needWeights', 'attnMask', 'useSeparateProjWeight', 'qProjWeight', 'kProjWeight', 'vProjWeight',
    'staticK', 'staticV', 'averageAttnWeights'], multiHeadAttentionForwardImpl);
