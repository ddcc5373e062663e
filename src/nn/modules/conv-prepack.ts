// nn.Conv2d and nn.Conv3d without autograd: the weight reordered once into oneDNN's blocked layout and kept,
// instead of on every call.
//
// Why: libtorch runs a float CPU convolution on oneDNN (ConvParams::use_mkldnn), whose kernels want the weight
// blocked (e.g. ABcd16b16a), so every call of aten::conv2d on a plain NCHW weight first copies the whole weight
// into that layout. At batch 1 that copy is a large share of the work: ResNet-18 reads and writes its 45 MB of
// weights every pass, and one 512-channel 3x3 convolution on a 7x7 map took 3.7 ms with the copy and 2.0-2.5
// ms with the weight kept reordered. PyTorch eager copies every time (torch.jit.freeze with
// optimize_for_inference is how its users avoid it); the result is the same either way, since the same oneDNN
// primitive runs on the same numbers: only the copy is skipped.
//
// When: only where libtorch itself would take oneDNN with plain NCHW tensors (the native check repeats
// use_mkldnn's conditions: float32 CPU tensors, batch size, kernel size, groups, thread count, and
// torch.backends.mkldnn.enabled), with gradients off (noGrad, inferenceMode: autograd needs the plain
// operator), outside torch.jit.trace (the trace must record aten::conv2d), for a weight whose memory only ATen
// operators write (not one exposed through numpy()/toBuffer() or passed to a collective, which write without
// bumping the version counter). Anywhere else the call goes to aten::conv2d as before.
//
// Staleness: the kept copy is made again when the weight's version counter (every in-place operator: an
// optimizer step, loadStateDict's copy_, fill_), its address (tensor.data = ...) or the Parameter object
// itself changes. The copy costs the weight's size in memory per module, for as long as the module lives.
import { Tensor } from '../../tensor.js';
import { native } from '../../native/binding.js';
import { op } from '../../native/ops.js';
import { untrack } from '../../memory.js';
import { py } from '../../native/python-layer.js';

const O = {
  toMkldnn: op('aten::to_mkldnn'),
  reorder2d: op('aten::mkldnn_reorder_conv2d_weight'),
  reorder3d: op('aten::mkldnn_reorder_conv3d_weight'),
  conv: op('aten::mkldnn_convolution'),
};

interface Kept {
  weight: Tensor;
  version: number;
  address: number;
  reordered: Tensor;
}

const kept = new WeakMap<object, Kept>();

/**
 * Convolutions marked by useOneDnnChannelsLast: with gradients off, every call on a channels-last input goes to
 * oneDNN's NHWC kernels (aten::mkldnn_convolution, which libtorch itself calls for such an input on more than one
 * thread), not to libtorch's single-thread choice for a 1x1 convolution at batch < 16 (ConvParams::use_mkldnn:
 * "THNN is faster when single-threaded"), whose im2col kernel on a channels-last input took MobileNet v3 large at
 * batch 8 from 11.3 to 23.2 ms per image on one thread here (BENCHMARKS.md). Only for modules that ask for it (the
 * served eager engine in channels last, src/vision/serve/engine.ts): the numbers differ from that kernel's by float
 * rounding, and a plain nn.Conv2d keeps PyTorch's own choice, bit for bit.
 */
const oneDnnChannelsLast = new WeakSet<object>();

/** Marks a 2-d convolution module for oneDNN on every channels-last call without gradients (see above). */
export function useOneDnnChannelsLast(module: object): void {
  oneDnnChannelsLast.add(module);
}

const cpuFloat32 = (t: Tensor): boolean => t.dtype.name === 'float32' && t.device.type === 'cpu';

/** The channels-last oneDNN call for a marked module, or null where it does not apply (or oneDNN refuses it). */
function channelsLastOneDnn(input: Tensor, weight: Tensor, bias: Tensor | null, stride: number[], padding: number[], dilation: number[], groups: number): Tensor | null {
  if (input.dim() !== 4 || weight.dim() !== 4 || native.isGradEnabled() || !py.backendsGet().mkldnnEnabled) return null;
  // channels last and not also plain contiguous (a 1x1 map, a single channel: the usual path decides)
  if (!input.isContiguous('channelsLast') || input.isContiguous() || !weight.isContiguous('channelsLast')) return null;
  if (!cpuFloat32(input) || !cpuFloat32(weight) || (bias !== null && !cpuFloat32(bias))) return null;
  try {
    return new Tensor(O.conv(input._h, weight._h, bias === null ? null : bias._h, padding, stride, dilation, groups));
  } catch {
    return null; // aten::conv2d gives PyTorch's error for what oneDNN refused
  }
}

/**
 * The 2-d or 3-d convolution of `owner`'s weight on oneDNN with the weight kept reordered (for a module marked by
 * useOneDnnChannelsLast and a channels-last input: on oneDNN with the weight as it is), or null where libtorch would
 * not use oneDNN for it (or gradients are on): the caller then runs aten::conv2d / conv3d.
 */
export function keptWeightConv(owner: object, input: Tensor, weight: Tensor, bias: Tensor | null,
  stride: number[], padding: number[], dilation: number[], groups: number): Tensor | null {
  if (oneDnnChannelsLast.has(owner) && stride.length === 2) {
    const y = channelsLastOneDnn(input, weight, bias, stride, padding, dilation, groups);
    if (y !== null) return y;
  }
  const b = bias === null ? null : bias._h;
  if (!native.mkldnnConvEligible(input._h, weight._h, b, stride, padding, dilation, groups)) return null;
  const version = native.tensorVersion(weight._h);
  const address = native.dataPtr(weight._h);
  let k = kept.get(owner);
  if (k === undefined || k.weight !== weight || k.version !== version || k.address !== address) {
    if (k !== undefined) {
      k.reordered.dispose();
      kept.delete(owner);
    }
    const blocked = O.toMkldnn(weight._h);
    let reordered: Tensor;
    try {
      const reorder = stride.length === 3 ? O.reorder3d : O.reorder2d;
      reordered = new Tensor(reorder(blocked, padding, stride, dilation, groups));
    } catch {
      return null; // a weight oneDNN cannot reorder on its own: aten::conv2d / conv3d decides, with its own error
    } finally {
      native.dispose(blocked);
    }
    untrack(reordered); // lives with the module, not with the tidy scope of the call that made it
    k = { weight, version, address, reordered };
    kept.set(owner, k);
  }
  return new Tensor(O.conv(input._h, k.reordered._h, b, padding, stride, dilation, groups));
}

/** Frees the reordered weight kept for `owner`, if any (tests; a module that is dropped frees it with itself). */
export function releaseKeptWeight(owner: object): boolean {
  const k = kept.get(owner);
  if (k === undefined) return false;
  k.reordered.dispose();
  kept.delete(owner);
  return true;
}
