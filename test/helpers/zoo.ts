// Model-zoo test support: the same architectures built by torchvision (with a seed) and by tstorch, compared
// by state-dict keys and shapes, parameter counts, a hash of every initial tensor, and outputs.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import * as torch from '../../src/index.js';
import type { Module } from '../../src/nn/index.js';
import { runPython, assertClose } from './pytorch.js';

export interface RefSpec {
  /** torchvision.models builder name ('video.r3d_18' for a submodule's). */
  name: string;
  /** Python keyword arguments, e.g. "num_classes=10, init_weights=True". */
  kwargs?: string;
  seed?: number;
  /** Hash every state-dict tensor (bit-exact initialisation check). */
  hash?: boolean;
  /** Name of an input tensor for an eval-mode forward (and a train-mode one if `train`). */
  input?: string;
  train?: boolean;
  /** Run the forward passes in float64 (model and input). */
  double?: boolean;
  /** Save the state dict to this path (torch.save). */
  savePath?: string;
  /** Rename keys before saving (Python expression over `k`; None drops the entry), e.g. to write a legacy checkpoint. */
  saveKeyExpr?: string;
  /** Python statements run on model `m` after the hashes are taken, before saving and the forward passes. */
  pyAfterBuild?: string;
}

export interface RefResult {
  keys: string[];
  shapes: number[][];
  numParams: number;
  hashes?: string[];
  eval?: torch.Tensor;
  /** Train-mode outputs by field (logits, aux...), or 'out' for a plain tensor. */
  train?: Record<string, torch.Tensor>;
}

const CODE = String.raw`
import hashlib, re
res = []
for i, s in enumerate(J):
    torch.manual_seed(s.get('seed', 0))
    m = eval('torchvision.models.' + s['name'])(**eval('dict(' + s.get('kwargs', '') + ')'))
    sd = m.state_dict()
    r = {'keys': list(sd.keys()), 'shapes': [list(v.shape) for v in sd.values()],
         'numParams': sum(p.numel() for p in m.parameters())}
    if s.get('hash'):
        r['hashes'] = [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest() for v in sd.values()]
    exec(s.get('pyAfterBuild', ''))
    if s.get('savePath'):
        ke = s.get('saveKeyExpr')
        torch.save({nk: v for k, v in sd.items() for nk in [eval(ke) if ke else k] if nk is not None}, s['savePath'])
    if s.get('input'):
        x = T[s['input']]
        if s.get('double'):
            m, x = m.double(), x.double()
        m.eval()
        with torch.no_grad():
            OUT[f'{i}_eval'] = m(x)
        if s.get('train'):
            m.train()
            torch.manual_seed(1234)
            out = m(x)
            fields = out._asdict() if hasattr(out, '_asdict') else {'out': out}
            r['trainFields'] = [k for k, v in fields.items() if v is not None]
            for k, v in fields.items():
                if v is not None:
                    OUT[f'{i}_train_{k}'] = v
    res.append(r)
    del m, sd
OUT_J = res
`;

/** Builds each spec in torchvision in one Python process. */
export function torchvisionReference(specs: RefSpec[], inputs: Record<string, torch.Tensor> = {}): RefResult[] {
  const { tensors, json } = runPython(CODE, { tensors: inputs, json: specs }, { timeoutMs: 600_000 });
  return (json as any[]).map((r, i) => ({
    keys: r.keys,
    shapes: r.shapes,
    numParams: r.numParams,
    hashes: r.hashes,
    eval: tensors[`${i}_eval`],
    train: r.trainFields ? Object.fromEntries((r.trainFields as string[]).map((k) => [k, tensors[`${i}_train_${k}`]!])) : undefined,
  }));
}

export function stateHashes(m: Module): string[] {
  return Object.values(m.stateDict()).map((t) => createHash('sha256').update(t.contiguous().toBytes()).digest('hex'));
}

/** Keys, shapes and parameter count equal torchvision's; with hashes, every tensor is bit-identical. */
export function assertSameModel(m: Module, ref: RefResult, what: string): void {
  const sd = m.stateDict();
  assert.deepEqual(Object.keys(sd), ref.keys, `${what}: state-dict keys`);
  assert.deepEqual(Object.values(sd).map((t) => [...t.shape]), ref.shapes, `${what}: state-dict shapes`);
  assert.equal(m.numParameters(), ref.numParams, `${what}: parameter count`);
  if (ref.hashes) {
    const h = stateHashes(m);
    const bad = ref.keys.filter((_, i) => h[i] !== ref.hashes![i]);
    assert.deepEqual(bad, [], `${what}: tensors whose initial values differ from torchvision's with the same seed`);
  }
}

/** Within 1e-4 of the largest reference value (the zoo's tolerance for logits). */
export function assertLogitsClose(actual: torch.Tensor, expected: torch.Tensor, what: string): void {
  assertClose(actual, expected, { atol: 0, rtol: 1e-4, what });
}

function trainOutputs(m: Module, input: torch.Tensor): Record<string, torch.Tensor> {
  m.train();
  torch.manualSeed(1234); // the same dropout masks as the reference
  const out = m.call(input);
  if (out instanceof torch.Tensor) return { out };
  return Object.fromEntries(Object.entries(out as Record<string, torch.Tensor | null>).filter(([, v]) => v !== null)) as Record<string, torch.Tensor>;
}

// torchvision's field names -> ours.
const FIELD: Record<string, string> = { logits: 'logits', aux_logits2: 'aux2', aux_logits1: 'aux1', aux_logits: 'auxLogits', out: 'out' };

/**
 * Training-mode outputs (GoogLeNet's and Inception v3's auxiliary heads included) against torchvision's, field by
 * field, with the reference's dropout seed.
 */
export function checkTrainOutputs(m: Module, input: torch.Tensor, ref: Record<string, torch.Tensor>, what: string): void {
  const ours = trainOutputs(m, input);
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(ref).map((k) => FIELD[k]!).sort(), `${what}: output fields`);
  for (const [k, v] of Object.entries(ref)) assertLogitsClose(ours[FIELD[k]!]!, v, `${what} train ${k}`);
}
