// Comparing what torch.load gives in Python with what tstorch's load gives, object for object. Both sides reduce
// a loaded value to a canonical hash (Merkle-style, each shared object hashed once, so DAGs cost their size):
// numbers by value (1, 1.0 and 1n alike, in hexadecimal; True stays a bool), strings as UTF-16, lists and tuples alike (tstorch
// has one array type), dicts in order with their keys, sets sorted, tensors by dtype, shape, strides, requires_grad,
// Parameter-ness and bytes. Python loads through the C unpickler (torch.load's default) restricted to the same
// globals tstorch allows, so that a mutated file can never run code in the test.
import { createHash } from 'node:crypto';
import * as torch from '../../src/index.js';
import { Parameter } from '../../src/nn/parameter.js';

const sha = (s: string): string => createHash('sha1').update(s).digest('hex').slice(0, 20);

function floatKey(x: number): string {
  if (Number.isNaN(x)) return 'Fnan';
  if (x === Infinity) return 'Finf';
  if (x === -Infinity) return 'F-inf';
  if (Number.isInteger(x)) return `I${BigInt(x).toString(16)}`;
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return `F${Buffer.from(dv.buffer).toString('hex')}`;
}

function utf16(s: string): string {
  return Buffer.from(s, 'utf16le').toString('hex');
}

/** tstorch's side: the canonical hash of a value from torch.load. */
export function canon(v: unknown, memo = new Map<object, string>(), depth = 0): string {
  if (depth > 5000) throw new Error('canon: too deep');
  if (v === null || v === undefined) return 'N';
  switch (typeof v) {
    case 'boolean': return v ? 'B1' : 'B0';
    case 'number': return floatKey(v);
    case 'bigint': return `I${v.toString(16)}`;
    case 'string': return `S${utf16(v)}`;
    default: break;
  }
  const o = v as object;
  const hit = memo.get(o);
  if (hit !== undefined) return hit;
  memo.set(o, 'CYCLE');
  let out: string;
  if (v instanceof torch.Tensor) {
    const t = v.contiguous();
    const dtype = String(v.dtype).replace(/^torch\./, '');
    const bytes = Buffer.from(t.toBytes());
    out = `T${sha(`${dtype}|${v.shape.join(',')}|${v.stride().join(',')}|${v.requiresGrad}|${v instanceof Parameter}|${bytes.toString('hex')}`)}`;
  } else if (v instanceof Uint8Array) {
    out = `Y${Buffer.from(v).toString('hex')}`;
  } else if (Array.isArray(v)) {
    out = `L${sha(v.map((x) => canon(x, memo, depth + 1)).join(','))}`;
  } else if (v instanceof Map) {
    out = `D${sha([...v.entries()].map(([k, x]) => `${canon(k, memo, depth + 1)}:${canon(x, memo, depth + 1)}`).join(','))}`;
  } else if (v instanceof Set) {
    out = `E${sha([...v].map((x) => canon(x, memo, depth + 1)).sort().join(','))}`;
  } else {
    out = `D${sha(Object.entries(v).map(([k, x]) => `${canon(k, memo, depth + 1)}:${canon(x, memo, depth + 1)}`).join(','))}`;
  }
  memo.set(o, out);
  return out;
}

/**
 * Python's side, for runPython: defines safe_load(path) (torch.load with the C unpickler restricted to
 * tstorch's globals) and canon(value), the same hash as canon() above.
 */
export const PY_ORACLE = String.raw`
import hashlib, pickle, struct, types, collections, sys, importlib
sys.setrecursionlimit(20000)
_ALLOWED = set('''
collections.OrderedDict collections.Counter torch._utils._rebuild_tensor torch._utils._rebuild_tensor_v2
torch._utils._rebuild_parameter torch._tensor._rebuild_from_type_v2 torch._tensor._rebuild_from_type
torch.Tensor torch._tensor.Tensor torch.nn.parameter.Parameter torch.nn.Parameter torch.Size torch.device
numpy.core.multiarray.scalar numpy.core.multiarray._reconstruct numpy.core.numeric._frombuffer numpy.dtype
numpy.ndarray _codecs.encode builtins.set builtins.frozenset builtins.bytes builtins.bytearray
__builtin__.set __builtin__.frozenset __builtin__.bytes __builtin__.bytearray
'''.split())
for _n in ['Float', 'Double', 'Half', 'BFloat16', 'Long', 'Int', 'Short', 'Char', 'Byte', 'Bool', 'ComplexFloat', 'ComplexDouble']:
    _ALLOWED.add('torch.%sStorage' % _n)
    _ALLOWED.add('torch.cuda.%sStorage' % _n)
_ALLOWED.add('torch.UntypedStorage')
for _n in ['float32', 'float', 'float64', 'double', 'float16', 'half', 'bfloat16', 'int64', 'long', 'int32', 'int', 'int16', 'short',
           'int8', 'uint8', 'bool', 'complex64', 'complex128']:
    _ALLOWED.add('torch.' + _n)
class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module + '.' + name not in _ALLOWED:
            raise pickle.UnpicklingError('refused global %s.%s' % (module, name))
        return super().find_class(module, name)
def _safe_pickle_load(f, **kw):
    return _SafeUnpickler(f, **kw).load()
_safe_pickle = types.SimpleNamespace(Unpickler=_SafeUnpickler, load=_safe_pickle_load, __name__='pickle')
def safe_load(path):
    return torch.load(path, map_location='cpu', pickle_module=_safe_pickle)
def _sha(s):
    return hashlib.sha1(s.encode()).hexdigest()[:20]
def _float(x):
    if x != x: return 'Fnan'
    if x == float('inf'): return 'Finf'
    if x == float('-inf'): return 'F-inf'
    if float(x).is_integer(): return 'I%x' % int(x)
    return 'F' + struct.pack('>d', x).hex()
def canon(v, memo=None):
    if memo is None: memo = {}
    if v is None: return 'N'
    if isinstance(v, bool): return 'B1' if v else 'B0'
    if isinstance(v, int): return 'I%x' % v
    if isinstance(v, float): return _float(v)
    if isinstance(v, str): return 'S' + v.encode('utf-16-le', 'surrogatepass').hex()
    if isinstance(v, (torch.dtype,)): return 'S' + str(v).replace('torch.', '').encode('utf-16-le').hex()
    if isinstance(v, torch.device): return 'S' + str(v).encode('utf-16-le').hex()
    try:
        import numpy as _np
        if isinstance(v, _np.generic):
            return canon(v.item(), memo)
        if isinstance(v, _np.ndarray):
            v = torch.from_numpy(v)
    except ImportError:
        pass
    k = id(v)
    if k in memo: return memo[k]
    memo[k] = 'CYCLE'
    if isinstance(v, torch.Tensor):
        t = v.detach().contiguous()
        dtype = str(v.dtype).replace('torch.', '')
        if t.dtype == torch.bfloat16: raw = t.view(torch.int16).numpy().tobytes()
        elif t.is_complex(): raw = torch.view_as_real(t).numpy().tobytes()
        else: raw = t.numpy().tobytes()
        out = 'T' + _sha('%s|%s|%s|%s|%s|%s' % (dtype, ','.join(map(str, v.shape)), ','.join(map(str, v.stride())),
              'true' if v.requires_grad else 'false', 'true' if isinstance(v, torch.nn.Parameter) else 'false', raw.hex()))
    elif isinstance(v, (bytes, bytearray)):
        out = 'Y' + bytes(v).hex()
    elif isinstance(v, (list, tuple)):
        out = 'L' + _sha(','.join(canon(x, memo) for x in v))
    elif isinstance(v, dict):
        out = 'D' + _sha(','.join('%s:%s' % (canon(a, memo), canon(b, memo)) for a, b in v.items()))
    elif isinstance(v, (set, frozenset)):
        out = 'E' + _sha(','.join(sorted(canon(x, memo) for x in v)))
    else:
        out = 'O' + type(v).__name__
    memo[k] = out
    return out
def oracle(path):
    try:
        return {'canon': canon(safe_load(path))}
    except BaseException as e:
        return {'error': '%s: %s' % (type(e).__name__, str(e)[:200])}
`;
