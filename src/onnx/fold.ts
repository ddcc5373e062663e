// Constant folding on the ONNX graph: a BatchNormalization whose input is a Conv that nothing else reads, with
// both nodes' parameters known, becomes part of the convolution (weights scaled per output channel, bias
// shifted), as PyTorch's exporter does for eval-mode models (_jit_pass_onnx_eval_peephole's conv-bn fusion).
import { noGrad } from '../autograd/grad-mode.js';
import type { OnnxGraph } from './graph.js';

export function foldBatchNorms(graph: OnnxGraph, outputs: Set<string>): void {
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.input!) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  const producer = new Map(graph.nodes.flatMap((n) => n.output!.map((o) => [o, n] as const)));
  const removed = new Set<object>();
  noGrad(() => {
    for (const bn of graph.nodes) {
      if (bn.opType !== 'BatchNormalization' || bn.output!.length !== 1) continue;
      const conv = producer.get(bn.input![0]!);
      if (!conv || conv.opType !== 'Conv' || consumers.get(conv.output![0]!) !== 1 || outputs.has(conv.output![0]!)) continue;
      const [, scaleN, biasN, meanN, varN] = bn.input!;
      const [, wN, cbN] = conv.input!;
      const get = (n: string | undefined) => (n ? graph.initializers.get(n) : undefined);
      const w = get(wN), scale = get(scaleN), bias = get(biasN), mean = get(meanN), variance = get(varN);
      if (!w || !scale || !bias || !mean || !variance || (cbN && !get(cbN))) continue;
      const eps = bn.attribute!.find((a) => a.name === 'epsilon')?.f ?? 1e-5;
      // PyTorch computes the fold in float64 and casts back (torch/nn/utils/fusion.py does it in the weights' dtype).
      const factor = scale.double().div(variance.double().add(eps).sqrt());
      const shape = [w.shape[0]!, ...w.shape.slice(1).map(() => 1)];
      const w2 = w.double().mul(factor.reshape(shape)).to({ dtype: w.dtype });
      const b0 = cbN ? get(cbN)!.double() : mean.double().mul(0);
      const b2 = b0.sub(mean.double()).mul(factor).add(bias.double()).to({ dtype: w.dtype });
      const wName = graph.fresh(`${wN}_fused_bn`);
      const bName = graph.fresh(`${cbN ?? wN!.replace(/weight$/, 'bias')}_fused_bn`);
      graph.initializers.set(wName, w2);
      graph.initializers.set(bName, b2);
      conv.input = [conv.input![0]!, wName, bName];
      conv.output = [bn.output![0]!];
      removed.add(bn);
    }
  });
  if (removed.size === 0) return;
  const kept = graph.nodes.filter((n) => !removed.has(n));
  graph.nodes.length = 0;
  graph.nodes.push(...kept);
}
