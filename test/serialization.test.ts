// torch.save / torch.load and safetensors against Python's PyTorch, both directions, both checkpoint formats.
// One Python run writes the reference files (zip and legacy checkpoints, malicious pickles, a hand-made
// safetensors file); a second run reads the files written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { runPython } from './helpers/pytorch.js';
import { ZipReader, ZipWriter } from '../src/serialization/zip.js';
import { MemorySource } from '../src/serialization/byte-source.js';
import { MemorySink } from '../src/serialization/atomic.js';

const { nn } = torch;
type Tensor = torch.Tensor;
const dir = mkdtempSync(join(tmpdir(), 'tstorch-ser-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const p = (name: string): string => join(dir, name);

function sameTensor(actual: unknown, expected: Tensor, what: string): void {
  assert.ok(actual instanceof torch.Tensor, `${what}: not a Tensor`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.deepEqual(Buffer.from(actual.contiguous().toBytes()), Buffer.from(expected.contiguous().toBytes()), `${what}: values`);
}

// ----- reference files written by PyTorch -----------------------------------------------------------------
const PY_SETUP = String.raw`
import pickle, collections, struct, copy
from torch import nn
d = J['dir']
torch.manual_seed(0)
base = torch.randn(4, 6)
tensors = {
    'float32': torch.randn(2, 3), 'float64': torch.randn(3, dtype=torch.float64), 'float16': torch.randn(4).half(),
    'bfloat16': torch.randn(4).bfloat16(), 'int64': torch.tensor([-2**62, 0, 2**40 + 3]),
    'int32': torch.tensor([-5, 7], dtype=torch.int32), 'int16': torch.tensor([-300, 300], dtype=torch.int16),
    'int8': torch.tensor([-128, 127], dtype=torch.int8), 'uint8': torch.tensor([0, 255], dtype=torch.uint8),
    'bool': torch.tensor([True, False, True]),
    'base': base, 'view_t': base.t(), 'view_row': base[1], 'view_strided': base[:, ::2], 'view_off': base[2:, 1:4],
    'scalar0': torch.tensor(3.5), 'empty': torch.zeros(0, 3), 'empty_i': torch.empty(2, 0, dtype=torch.int64),
    'expanded': torch.randn(3, 1).expand(3, 4),
}
model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(36, 2))
model.train()
for _ in range(3):
    model(torch.randn(2, 3, 5, 5))
model.eval()
x = torch.randn(1, 3, 5, 5)
OUT['model_x'] = x
OUT['model_y'] = model(x).detach()
param = nn.Parameter(torch.randn(3))
frozen = nn.Parameter(torch.randn(2), requires_grad=False)
rg = torch.randn(2).requires_grad_()
mb0, mb1 = torch.randn(2), torch.randn(3)
# the records PyTorch 2 writes for tensors and Parameters with attributes (_rebuild_parameter_with_state is
# defined here as in PyTorch 2, which 1.13 lacks)
def _rpws(data, requires_grad, backward_hooks, state):
    return nn.Parameter(data, requires_grad)
_rpws.__module__ = 'torch._utils'
_rpws.__name__ = _rpws.__qualname__ = '_rebuild_parameter_with_state'
torch._utils._rebuild_parameter_with_state = _rpws
class Reduced:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args
    def __reduce__(self):
        return (self.fn, self.args)
def v2args(t):
    return (t.storage(), t.storage_offset(), tuple(t.size()), t.stride(), t.requires_grad, collections.OrderedDict())
psrc, tsrc, pv2src = torch.randn(2), torch.randn(3), torch.randn(2, 2)
pstate = Reduced(_rpws, (psrc, True, collections.OrderedDict(), {'note': 'p'}))
tstate = Reduced(torch._tensor._rebuild_from_type_v2, (torch._utils._rebuild_tensor_v2, torch.Tensor, v2args(tsrc), {'note': 't'}))
pv2 = Reduced(torch._tensor._rebuild_from_type_v2, (torch._utils._rebuild_tensor_v2, nn.Parameter, v2args(pv2src), {}))
obj = {
    'tensors': tensors,
    'nested': {'a': [1, 2.5, 'x', None, True, (3, 4)], 'b': {'c': -7, 'big': 2**70, 'neg': -2**63}, 'empty': {},
               'unicode': 'héllo ✓'},
    'param': param, 'frozen': frozen, 'rg': rg, 'again': param, 'pstate': pstate, 'tstate': tstate, 'pv2': pv2,
    'optim': {'state': {0: {'momentum_buffer': mb0}, 1: {'momentum_buffer': mb1}},
              'param_groups': [{'lr': 0.1, 'params': [0, 1]}]},
    'np': {'f64': np.float64(91.7), 'i64': np.int64(-5), 'f32': np.float32(0.25), 'b': np.bool_(True), 'u8': np.uint8(200),
           'arr': np.arange(6, dtype=np.float32).reshape(2, 3), 'arr_f': np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3))},
    'bytes': b'\x00\xffab', 'set': {1, 2}, 'proto': {'__proto__': 1, 'constructor': 2},
    'tuple_keys': {(1, 'a'): 5, (2, 'b'): 6},
    'state_dict': model.state_dict(), 'epoch': 3, 'best_prec1': 91.7,
}
torch.save(obj, d + '/py_zip.pt')
torch.save(obj, d + '/py_legacy.pt', _use_new_zipfile_serialization=False)
torch.save(obj, d + '/py_p1_legacy.pt', _use_new_zipfile_serialization=False, pickle_protocol=1)
torch.save(obj, d + '/py_p5.pt', pickle_protocol=5)
# the same archive repacked by Python's zipfile: deflated entries with zip64 local headers
import zipfile
with zipfile.ZipFile(d + '/py_zip.pt') as zin, zipfile.ZipFile(d + '/py_deflated.pt', 'w', zipfile.ZIP_DEFLATED) as zout:
    for info in zin.infolist():
        with zout.open(info.filename, 'w', force_zip64=True) as w:
            w.write(zin.read(info.filename))
for k, t in tensors.items():
    OUT['t_' + k] = t
for k, t in model.state_dict().items():
    OUT['sd_' + k] = t
OUT['pstate'] = psrc; OUT['tstate'] = tsrc; OUT['pv2'] = pv2src
OUT['param'] = param; OUT['frozen'] = frozen; OUT['rg'] = rg; OUT['mb0'] = mb0; OUT['mb1'] = mb1
meta = {k: {'stride': list(t.stride()), 'offset': t.storage_offset()} for k, t in tensors.items()}

# malicious pickles: they would run a command if unpickled by Python's pickle
marker = d + '/pwned'
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ' + marker,))
class EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch %s')" % marker,))
torch.save({'w': torch.ones(2), 'evil': Evil()}, d + '/evil_zip.pt')
torch.save({'w': torch.ones(2), 'evil': Evil()}, d + '/evil_legacy.pt', _use_new_zipfile_serialization=False)
torch.save({'w': torch.ones(2), 'evil': EvilEval()}, d + '/evil_p4.pt', pickle_protocol=4)
open(d + '/evil_plain.pkl', 'wb').write(pickle.dumps(Evil()))
torch.save(model, d + '/whole_model.pt')

# safetensors, written by hand (the safetensors package may be missing)
st = {'a': torch.randn(2, 3), 'b': torch.arange(5), 'c': torch.randn(4).bfloat16(), 'd': torch.tensor([True, False]),
      'e': torch.randn(3).half(), 'f': torch.randn(2, dtype=torch.float64)}
codes = {torch.float32: 'F32', torch.int64: 'I64', torch.bfloat16: 'BF16', torch.bool: 'BOOL', torch.float16: 'F16', torch.float64: 'F64'}
header = {'__metadata__': {'format': 'pt', 'note': 'ref'}}
data = b''
for k, t in st.items():
    raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
    header[k] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(raw)]}
    data += raw
h = json.dumps(header).encode()
h += b' ' * ((8 - len(h) % 8) % 8)
open(d + '/ref.safetensors', 'wb').write(struct.pack('<Q', len(h)) + h + data)
for k, t in st.items():
    OUT['st_' + k] = t

# a DataParallel checkpoint
dp = collections.OrderedDict(('module.' + k, v) for k, v in model.state_dict().items())
torch.save(dp, d + '/dp.pt')
dp2 = copy.copy(dp)
torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(dp2, 'module.')
# a Python 2 era legacy checkpoint: str and bytes pickled as BINSTRING, as Python 2's pickler did
import types
class Py2Pickler(pickle._Pickler):
    dispatch = pickle._Pickler.dispatch.copy()
    def _binstring(self, b):
        self.write(pickle.SHORT_BINSTRING + bytes([len(b)]) + b if len(b) < 256 else pickle.BINSTRING + struct.pack('<i', len(b)) + b)
    def save_str2(self, obj):
        self._binstring(obj.encode('utf-8'))
        self.memoize(obj)
    def save_bytes2(self, obj):
        self._binstring(obj)
        self.memoize(obj)
    dispatch[str] = save_str2
    dispatch[bytes] = save_bytes2
py2 = types.ModuleType('py2pickle')
py2.Pickler = Py2Pickler
py2.dump = lambda o, f, protocol=2: Py2Pickler(f, protocol).dump(o)
old = {'state_dict': collections.OrderedDict([('fc.weight', torch.randn(2, 3)), ('fc.bias', torch.randn(2))]),
       'best_prec1': np.float64(76.15), 'arch': 'resnet18', 'epoch': 90, 'long_name': 'x' * 300}
torch.save(old, d + '/py2.pt', pickle_module=py2, _use_new_zipfile_serialization=False)
back = torch.load(d + '/py2.pt', encoding='latin1')
OUT['py2_w'] = back['state_dict']['fc.weight']; OUT['py2_b'] = back['state_dict']['fc.bias']
py2_info = {'best_prec1': float(back['best_prec1']), 'arch': back['arch'], 'epoch': back['epoch'], 'long_name': back['long_name']}
OUT_J = {'py2': py2_info, 'meta': meta, 'sd_keys': list(model.state_dict().keys()), 'dp_keys': sorted(dp2.keys())}
`;

const ref = runPython(PY_SETUP, { json: { dir } });
const R = ref.tensors;

function checkPythonObject(o: any, file: string): void {
  const meta = ref.json.meta as Record<string, { stride: number[]; offset: number }>;
  for (const k of Object.keys(meta)) {
    const t = o.tensors[k] as Tensor;
    sameTensor(t, R[`t_${k}`]!, `${file} tensors.${k}`);
    assert.deepEqual(t.stride(), meta[k]!.stride, `${file} ${k} stride`);
    assert.equal(t.storageOffset(), meta[k]!.offset, `${file} ${k} storage offset`);
  }
  // views share one storage: writing through one is seen by the others
  const base = o.tensors.base as Tensor;
  for (const k of ['view_t', 'view_row', 'view_strided', 'view_off']) {
    assert.equal((o.tensors[k] as Tensor).storageInfo().key, base.storageInfo().key, `${file} ${k} shares base's storage`);
  }
  (o.tensors.view_row as Tensor).fill_(42);
  assert.deepEqual((base.index(1) as Tensor).toArray(), [42, 42, 42, 42, 42, 42]);
  assert.equal((o.tensors.view_t as Tensor).index(3, 1).item(), 42);
  assert.notEqual((o.tensors.float32 as Tensor).storageInfo().key, base.storageInfo().key);

  assert.deepEqual(o.nested.a, [1, 2.5, 'x', null, true, [3, 4]]);
  assert.deepEqual(o.nested.b, { c: -7, big: 2n ** 70n, neg: -(2n ** 63n) });
  assert.deepEqual(o.nested.empty, {});
  assert.equal(o.nested.unicode, 'héllo ✓');
  assert.equal(o.epoch, 3);
  assert.equal(o.best_prec1, 91.7);

  assert.ok(o.param instanceof nn.Parameter, 'Parameter');
  assert.equal(o.param.requiresGrad, true);
  sameTensor(o.param, R.param!, 'param');
  assert.ok(o.frozen instanceof nn.Parameter);
  assert.equal(o.frozen.requiresGrad, false);
  assert.equal(o.again, o.param, 'one object pickled twice is one object');
  assert.ok(o.pstate instanceof nn.Parameter);
  assert.equal(o.pstate.requiresGrad, true);
  sameTensor(o.pstate, R.pstate!, 'Parameter with attributes');
  assert.ok(o.pv2 instanceof nn.Parameter);
  sameTensor(o.pv2, R.pv2!, '_rebuild_from_type_v2 Parameter');
  assert.ok(!(o.tstate instanceof nn.Parameter));
  sameTensor(o.tstate, R.tstate!, 'Tensor with attributes');
  assert.ok(!(o.rg instanceof nn.Parameter));
  assert.equal(o.rg.requiresGrad, true);
  sameTensor(o.rg, R.rg!, 'rg');
  assert.equal((o.tensors.base as Tensor).requiresGrad, false);

  assert.ok(o.optim.state instanceof Map, 'int-keyed dict is a Map');
  assert.deepEqual([...o.optim.state.keys()], [0, 1]);
  sameTensor(o.optim.state.get(0).momentum_buffer, R.mb0!, 'optim state 0');
  sameTensor(o.optim.state.get(1).momentum_buffer, R.mb1!, 'optim state 1');
  assert.deepEqual(o.optim.param_groups, [{ lr: 0.1, params: [0, 1] }]);

  assert.deepEqual({ ...o.np, arr: null, arr_f: null }, { f64: 91.7, i64: -5, f32: 0.25, b: true, u8: 200, arr: null, arr_f: null });
  assert.deepEqual(o.np.arr.toArray(), [[0, 1, 2], [3, 4, 5]]);
  assert.equal(o.np.arr.dtype.name, 'float32');
  assert.deepEqual(o.np.arr_f.toArray(), [[0, 1, 2], [3, 4, 5]]);
  assert.equal(o.np.arr_f.dtype.name, 'int64');

  assert.deepEqual([...o.bytes], [0, 255, 0x61, 0x62]);
  assert.deepEqual(o.set, new Set([1, 2]));
  assert.equal(Object.getPrototypeOf(o.proto), Object.prototype, '__proto__ key must not change the prototype');
  assert.ok(Object.hasOwn(o.proto, '__proto__'));
  assert.equal(Object.getOwnPropertyDescriptor(o.proto, '__proto__')!.value, 1);
  assert.equal(o.proto.constructor, 2);
  assert.ok(o.tuple_keys instanceof Map, 'a dict with tuple keys is a Map');
  assert.deepEqual([...o.tuple_keys.entries()], [[[1, 'a'], 5], [[2, 'b'], 6]]);

  // the BatchNorm state dict: keys in PyTorch's order, values, int64 num_batches_tracked
  const sd = o.state_dict as Record<string, Tensor>;
  assert.deepEqual(Object.keys(sd), ref.json.sd_keys);
  for (const k of Object.keys(sd)) sameTensor(sd[k], R[`sd_${k}`]!, `state_dict ${k}`);
  assert.equal(sd['1.num_batches_tracked']!.dtype.name, 'int64');
  const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(36, 2));
  model.loadStateDict(sd);
  model.eval();
  const y = torch.noGrad(() => model.call(R.model_x!)) as Tensor;
  assert.ok(y.sub(R.model_y!).abs().max().item() < 1e-5, `${file}: model output differs from PyTorch's`);
}

test('loads a PyTorch zip checkpoint: every dtype, shared views, strides, containers, Parameters, numpy, state dict', () => {
  checkPythonObject(torch.load(p('py_zip.pt')), 'py_zip.pt');
});

test('loads a PyTorch legacy (pre-1.6) checkpoint with the same contents', () => {
  checkPythonObject(torch.load(p('py_legacy.pt')), 'py_legacy.pt');
});

test('loads an archive repacked with deflated zip64 entries', () => {
  checkPythonObject(torch.load(p('py_deflated.pt')), 'py_deflated.pt');
});

test('loads checkpoints pickled with protocols 1 and 5', () => {
  checkPythonObject(torch.load(p('py_p1_legacy.pt')), 'py_p1_legacy.pt');
  checkPythonObject(torch.load(p('py_p5.pt')), 'py_p5.pt');
});

test('loads a Python 2 era legacy checkpoint (BINSTRING text, numpy scalar bytes)', () => {
  const o = torch.load(p('py2.pt'));
  assert.deepEqual(Object.keys(o.state_dict), ['fc.weight', 'fc.bias']);
  sameTensor(o.state_dict['fc.weight'], R.py2_w!, 'fc.weight');
  sameTensor(o.state_dict['fc.bias'], R.py2_b!, 'fc.bias');
  assert.deepEqual({ best_prec1: o.best_prec1, arch: o.arch, epoch: o.epoch, long_name: o.long_name }, ref.json.py2);
});

test('loads from bytes in memory as from a file', () => {
  checkPythonObject(torch.load(readFileSync(p('py_zip.pt'))), '<bytes zip>');
  checkPythonObject(torch.load(new Uint8Array(readFileSync(p('py_legacy.pt')))), '<bytes legacy>');
});

test('refuses malicious pickles by name and runs nothing', () => {
  for (const f of ['evil_zip.pt', 'evil_legacy.pt', 'evil_plain.pkl']) {
    assert.throws(() => torch.load(p(f)), (e: Error) => {
      assert.match(e.message, /refusing to load global '(os|posix)\.system' from .*: not a tensor or container constructor/);
      assert.ok(e.message.includes(p(f)), `error names the file: ${e.message}`);
      return true;
    }, f);
  }
  assert.throws(() => torch.load(p('evil_p4.pt')), /refusing to load global 'builtins\.eval'/);
  // A whole torch.nn model is rebuilt from allow-listed classes (test/pickled-models.test.ts checks its numbers)
  const whole = torch.load(p('whole_model.pt')) as torch.nn.Sequential;
  assert.ok(whole instanceof torch.nn.Sequential);
  assert.deepEqual(Object.keys(whole.stateDict()).slice(0, 2), ['0.weight', '0.bias']);
  assert.equal(existsSync(p('pwned')), false, 'no command ran');
});

test('truncated or corrupt checkpoints give clear errors naming the file', () => {
  const zip = readFileSync(p('py_zip.pt'));
  const legacy = readFileSync(p('py_legacy.pt'));
  const cases: [string, Uint8Array, RegExp][] = [
    ['zip_half.pt', zip.subarray(0, zip.length >> 1), /truncated or corrupt/],
    ['zip_tail.pt', zip.subarray(0, zip.length - 10), /end of central directory record not found/],
    ['legacy_pickle.pt', legacy.subarray(0, 300), /truncated or corrupt/],
    ['legacy_data.pt', legacy.subarray(0, legacy.length - 5), /truncated/],
    ['empty.pt', new Uint8Array(0), /empty/],
    ['text.pt', new TextEncoder().encode('hello world, not a checkpoint'), /not a PyTorch checkpoint/],
  ];
  for (const [name, bytes, re] of cases) {
    writeFileSync(p(name), bytes);
    assert.throws(() => torch.load(p(name)), (e: Error) => re.test(e.message) && e.message.includes(p(name)), name);
  }
  // a flipped byte inside a storage fails its CRC
  const bad = Buffer.from(torch.serialization.saveToBytes({ w: torch.arange(64, { dtype: 'float32' }) }));
  const at = bad.indexOf(Buffer.from(new Float32Array([10]).buffer));
  bad[at] ^= 0xff;
  assert.throws(() => torch.load(bad), /CRC-32 mismatch/);
  assert.throws(() => torch.load(p('ref.safetensors')), /safetensors/);
});

// ----- files written here, read by PyTorch ------------------------------------------------------------------
test('PyTorch loads what torch.save writes: dtypes, shared views, containers, Parameters, state dict, zip layout', () => {
  torch.manualSeed(3);
  const base = torch.randn([4, 6]);
  const tensors: Record<string, Tensor> = {
    float32: torch.randn([2, 3]), float64: torch.randn([3], { dtype: 'float64' }), float16: torch.randn([4]).half(),
    bfloat16: torch.randn([4]).bfloat16(), int64: torch.tensor([-(2n ** 62n), 0n, 2n ** 40n + 3n]),
    int32: torch.tensor([-5, 7], { dtype: 'int32' }), int16: torch.tensor([-300, 300], { dtype: 'int16' }),
    int8: torch.tensor([-128, 127], { dtype: 'int8' }), uint8: torch.tensor([0, 255], { dtype: 'uint8' }),
    bool: torch.tensor([true, false, true]),
    base, view_t: base.t(), view_row: base.index(1), view_strided: base.index(':', '::2'), view_off: base.index('2:', '1:4'),
    scalar0: torch.scalarTensor(3.5), empty: torch.zeros([0, 3]), expanded: torch.randn([3, 1]).expand(3, 4),
  };
  const model = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(36, 2));
  model.train();
  for (let i = 0; i < 2; i++) torch.noGrad(() => model.call(torch.randn([2, 3, 5, 5])));
  model.eval();
  const x = torch.randn([1, 3, 5, 5]);
  const y = torch.noGrad(() => model.call(x)) as Tensor;
  const param = new nn.Parameter(torch.randn([3]));
  const obj = {
    tensors,
    nested: { a: [1, 2.5, 'x', null, true], b: { c: -7, big: 2n ** 70n }, unicode: 'héllo ✓' },
    param, frozen: new nn.Parameter(torch.randn([2]), false), rg: torch.randn([2]).requiresGrad_(),
    again: param,
    optim: { state: new Map([[0, { momentum_buffer: torch.ones([2]) }]]), param_groups: [{ lr: 0.1, params: [0] }] },
    bytes: new Uint8Array([0, 255, 97]), set: new Set([1, 2]), epoch: 3, best_prec1: 91.7,
    keys: new Map<unknown, unknown>([[[1, 'a'], 1], [2.5, 2], [7n, 3], ['s', 4]]),
  };
  torch.save(obj, p('js_zip.pt'));
  torch.serialization.save(obj, p('js_zip64.pt'), { forceZip64: true });
  torch.serialization.save(obj, p('js_legacy.pt'), { useNewZipfileSerialization: false });
  torch.save(model.stateDict(), p('js_sd.pt'));
  const small = torch.arange(6, { dtype: 'float32' });
  torch.serialization.save({ w: small }, p('js_named.pt'), { archiveName: 'resnet18' });
  // a checkpoint whose storage location says cuda:0, as a GPU machine writes it
  const zr = new ZipReader(new MemorySource(torch.serialization.saveToBytes({ w: small })));
  const sink = new MemorySink();
  const zw = new ZipWriter(sink);
  const cpu = Buffer.from('X\x03\x00\x00\x00cpu', 'latin1');
  for (const name of zr.entries.keys()) {
    let data = Buffer.from(zr.read(name));
    if (name.endsWith('data.pkl')) {
      const at = data.indexOf(cpu);
      assert.ok(at > 0);
      data = Buffer.concat([data.subarray(0, at), Buffer.from('X\x06\x00\x00\x00cuda:0', 'latin1'), data.subarray(at + cpu.length)]);
    }
    zw.add(name, data);
  }
  zw.finish();
  writeFileSync(p('cuda.pt'), sink.bytes());
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left behind');

  const py = runPython(String.raw`
import zipfile, struct
from torch import nn
d = J['dir']
res = {}
for name in ['js_zip.pt', 'js_zip64.pt', 'js_legacy.pt']:
    o = torch.load(d + '/' + name)
    ts = o['tensors']
    b = ts['base']
    r = {'meta': {k: [list(t.shape), list(t.stride()), t.storage_offset(), str(t.dtype)] for k, t in ts.items()},
         'shares': {k: t.storage().data_ptr() == b.storage().data_ptr() for k, t in ts.items()},
         'nested': repr(o['nested']), 'optim': repr({k: v for k, v in o['optim'].items() if k != 'state'}),
         'state_keys': repr(list(o['optim']['state'].keys())), 'others': repr([o['bytes'], o['set'], o['epoch'], o['best_prec1'], o['keys']]),
         'param': [type(o['param']).__name__, o['param'].requires_grad, type(o['frozen']).__name__, o['frozen'].requires_grad,
                   type(o['rg']).__name__, o['rg'].requires_grad, o['again'] is o['param']]}
    if name == 'js_zip.pt':
        for k, t in ts.items():
            OUT['r_' + k] = t.clone()
        OUT['r_param'] = o['param']
    ts['view_row'].fill_(42)
    r['after_fill'] = ts['view_t'][:, 1].tolist()
    res[name] = r
    if name == 'js_legacy.pt':
        r['legacy'] = not zipfile.is_zipfile(d + '/' + name)
        continue
    zf = zipfile.ZipFile(d + '/' + name)
    raw = open(d + '/' + name, 'rb').read()
    offs = []
    for info in zf.infolist():
        n, e = struct.unpack('<HH', raw[info.header_offset + 26: info.header_offset + 30])
        offs.append((info.header_offset + 30 + n + e) % 64)
    r['zip'] = [zf.namelist(), zf.testzip(), zf.read('archive/version').decode(), zf.read('archive/byteorder').decode(), offs,
                [i.compress_type for i in zf.infolist()]]
model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(36, 2))
sd = torch.load(d + '/js_sd.pt', weights_only=True)
model.load_state_dict(sd)
model.eval()
OUT['y'] = model(T['x']).detach()
OUT['named_w'] = torch.load(d + '/js_named.pt')['w']
cuda_o = torch.load(d + '/cuda.pt', map_location='cpu')
OUT['cuda_w'] = cuda_o['w']
res['sd'] = [list(sd.keys()), str(sd['1.num_batches_tracked'].dtype), sd['1.num_batches_tracked'].item()]
OUT_J = res
`, { json: { dir }, tensors: { x } });

  sameTensor(py.tensors.named_w, small, 'archive folder named resnet18');
  sameTensor(py.tensors.cuda_w, small, 'cuda:0 checkpoint with map_location cpu');
  const msd = model.stateDict();
  assert.deepEqual(py.json.sd, [Object.keys(msd), 'torch.int64', 2]);
  assert.ok(py.tensors.y!.sub(y).abs().max().item() < 1e-5, 'PyTorch model with the saved state dict gives the same output');
  assert.equal(py.json['js_legacy.pt'].legacy, true);
  for (const name of ['js_zip.pt', 'js_zip64.pt', 'js_legacy.pt']) {
    const r = py.json[name];
    for (const [k, t] of Object.entries(tensors)) {
      assert.deepEqual(r.meta[k], [[...t.shape], t.stride(), t.storageOffset(), `${t.dtype}`], `${name} ${k}`);
      assert.equal(r.shares[k], t.storageInfo().key === base.storageInfo().key, `${name} ${k} storage sharing`);
    }
    assert.deepEqual(r.after_fill, [42, 42, 42, 42, 42, 42], `${name}: views share memory in PyTorch`);
    assert.equal(r.nested, "{'a': [1, 2.5, 'x', None, True], 'b': {'c': -7, 'big': 1180591620717411303424}, 'unicode': 'héllo ✓'}");
    assert.equal(r.optim, "{'param_groups': [{'lr': 0.1, 'params': [0]}]}");
    assert.equal(r.state_keys, '[0]');
    assert.equal(r.others, "[b'\\x00\\xffa', {1, 2}, 3, 91.7, {(1, 'a'): 1, 2.5: 2, 7: 3, 's': 4}]");
    assert.deepEqual(r.param, ['Parameter', true, 'Parameter', false, 'Tensor', true, true]);
    if (name === 'js_legacy.pt') continue;
    const [names, bad, version, order, offs, methods] = r.zip;
    const storages = names.filter((n: string) => n.startsWith('archive/data/'));
    assert.deepEqual(names, ['archive/data.pkl', 'archive/byteorder', ...storages, 'archive/version']);
    const distinct = new Set([...Object.values(tensors), obj.param, obj.frozen, obj.rg, obj.optim.state.get(0)!.momentum_buffer].map((t) => t.storageInfo().key));
    assert.equal(storages.length, distinct.size, 'one entry per storage: views of base are written once');
    assert.equal(bad, null, 'CRCs are correct');
    assert.equal(version.trim(), '3');
    assert.equal(order, 'little');
    assert.deepEqual(offs, offs.map(() => 0), 'entries are 64-byte aligned');
    assert.deepEqual(methods, methods.map(() => 0), 'entries are stored');
  }
  for (const [k, t] of Object.entries(tensors)) sameTensor(py.tensors[`r_${k}`], t, `PyTorch's view of ${k}`);
  sameTensor(py.tensors.r_param, param.detach(), 'param');

  // and the same files read back here, zip64 records included
  for (const name of ['js_zip.pt', 'js_zip64.pt', 'js_legacy.pt']) {
    const o = torch.load(p(name));
    for (const [k, t] of Object.entries(tensors)) {
      sameTensor(o.tensors[k], t, `${name} ${k}`);
      assert.deepEqual(o.tensors[k].stride(), t.stride());
    }
    assert.equal(o.tensors.view_t.storageInfo().key, o.tensors.base.storageInfo().key);
    assert.equal(o.again, o.param, 'one object saved twice loads as one object');
    assert.deepEqual(o.nested, obj.nested);
    assert.deepEqual(o.set, obj.set);
    assert.deepEqual(o.bytes, obj.bytes);
    assert.deepEqual(o.keys, new Map<unknown, unknown>([[[1, 'a'], 1], [2.5, 2], [7, 3], ['s', 4]]));
    assert.ok(o.optim.state instanceof Map);
  }
});

test('atomic writes: a failed save leaves the old file and no temporary file', () => {
  const f = p('atomic.pt');
  torch.save({ v: torch.ones([2]) }, f);
  const before = readFileSync(f);
  const listing = readdirSync(dir).sort();
  assert.throws(() => torch.save({ a: torch.zeros([3]), bad: () => 1 }, f), /cannot pickle a function at \["bad"\]/);
  assert.throws(() => torch.save({ a: torch.zeros([3]), when: new Date() }, f), /cannot pickle a Date at \["when"\]/);
  assert.deepEqual(readFileSync(f), before, 'the existing file is untouched');
  assert.deepEqual(readdirSync(dir).sort(), listing, 'no temporary file is left');
  torch.save({ v: torch.zeros([5]) }, f);
  assert.deepEqual([...torch.load(f).v.shape], [5]);
  assert.deepEqual(readdirSync(dir).sort(), listing);
  assert.throws(() => torch.save({}, p('no/such/folder/x.pt')), /cannot write .*no\/such\/folder\/x\.pt/);
});

test('mapLocation, stripPrefix and consumePrefixInStateDict', () => {
  const seen: string[] = [];
  const o = torch.load(p('py_zip.pt'), { mapLocation: (loc) => { seen.push(loc); return 'cpu'; } });
  assert.ok(seen.length > 0 && seen.every((l) => l === 'cpu'));
  assert.equal(String(o.param.device), 'cpu');
  if (!torch.cuda.isAvailable()) {
    assert.throws(() => torch.load(p('py_zip.pt'), { mapLocation: 'cuda:0' }), /CUDA is not available/);
    assert.throws(() => torch.load(p('cuda.pt')), /deserialize object on a CUDA device \('cuda:0'\) but CUDA is not available.*mapLocation/);
  } else {
    assert.equal(String(torch.load(p('cuda.pt')).w.device), 'cuda:0');
  }
  const fromCuda = torch.load(p('cuda.pt'), { mapLocation: { 'cuda:0': 'cpu' } });
  assert.equal(String(fromCuda.w.device), 'cpu');
  assert.deepEqual(fromCuda.w.toArray(), [0, 1, 2, 3, 4, 5]);
  const seenCuda: string[] = [];
  torch.load(p('cuda.pt'), { mapLocation: (loc) => { seenCuda.push(loc); return 'cpu'; } });
  assert.deepEqual(seenCuda, ['cuda:0']);

  const dp = torch.load(p('dp.pt'), { stripPrefix: 'module.' });
  assert.deepEqual(Object.keys(dp).sort(), ref.json.dp_keys);
  new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.Flatten(), new nn.Linear(36, 2)).loadStateDict(dp);
  const raw = torch.load(p('dp.pt'));
  assert.ok(Object.keys(raw).every((k) => k.startsWith('module.')));
  const same = torch.serialization.consumePrefixInStateDict(raw, 'module.');
  assert.equal(same, raw);
  assert.deepEqual(Object.keys(raw), ref.json.sd_keys, 'order is kept');
  const m = torch.serialization.consumePrefixInStateDict(new Map<string, unknown>([['module.a', 1], ['b', 2]]), 'module.');
  assert.deepEqual([...m.keys()], ['a', 'b']);
});

test('safetensors: reads a file PyTorch wrote by hand, and PyTorch reads what saveSafetensors writes', () => {
  const st = torch.loadSafetensors(p('ref.safetensors'));
  assert.deepEqual(Object.keys(st).sort(), ['a', 'b', 'c', 'd', 'e', 'f']);
  for (const k of Object.keys(st)) sameTensor(st[k], R[`st_${k}`]!, `safetensors ${k}`);
  assert.deepEqual(torch.serialization.safetensorsMetadata(p('ref.safetensors')), { format: 'pt', note: 'ref' });

  torch.manualSeed(5);
  const mine: Record<string, Tensor> = {
    w: torch.randn([3, 2]), idx: torch.tensor([1n, -2n]), h: torch.randn([2]).half(), bf: torch.randn([3]).bfloat16(),
    m: torch.tensor([true, false, true]), u: torch.tensor([7, 200], { dtype: 'uint8' }), strided: torch.randn([4, 4]).t(),
  };
  torch.saveSafetensors(mine, p('js.safetensors'), { author: 'tstorch' });
  const py = runPython(String.raw`
import struct
raw = open(J['file'], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
dt = {'F32': torch.float32, 'I64': torch.int64, 'F16': torch.float16, 'BF16': torch.bfloat16, 'BOOL': torch.bool, 'U8': torch.uint8}
meta = header.pop('__metadata__')
for k, e in header.items():
    b, en = e['data_offsets']
    buf = bytearray(data[b:en])
    t = torch.frombuffer(buf, dtype=dt[e['dtype']]) if buf else torch.empty(0, dtype=dt[e['dtype']])
    OUT[k] = t.reshape(e['shape']).clone()
OUT_J = [meta, n % 8, sorted((e['data_offsets'][0], k) for k, e in header.items())]
`, { json: { file: p('js.safetensors') } });
  for (const [k, t] of Object.entries(mine)) sameTensor(py.tensors[k], t, `PyTorch reads safetensors ${k}`);
  assert.deepEqual(py.json[0], { author: 'tstorch' });
  assert.equal(py.json[1], 0, 'data is 8-byte aligned');
  const back = torch.loadSafetensors(readFileSync(p('js.safetensors')));
  for (const [k, t] of Object.entries(mine)) sameTensor(back[k], t, `round trip ${k}`);

  // header validation
  const good = readFileSync(p('js.safetensors'));
  const n = Number(good.readBigUInt64LE(0));
  const withHeader = (h: string): Buffer => {
    const hb = Buffer.from(h);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(hb.length));
    return Buffer.concat([len, hb, good.subarray(8 + n)]);
  };
  const header = JSON.parse(good.subarray(8, 8 + n).toString());
  const bad: [string, Buffer, RegExp][] = [
    ['truncated', good.subarray(0, good.length - 3), /truncated/],
    ['short', good.subarray(0, 5), /fewer than the 8-byte header length/],
    ['huge header', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 1, 0]), good.subarray(8)]), /header length .* exceeds/],
    ['bad json', withHeader('{"w": '), /not UTF-8 JSON/],
    ['bad dtype', withHeader(JSON.stringify({ ...header, w: { ...header.w, dtype: 'X9' } })), /tensor 'w' has unsupported dtype "X9"/],
    ['bad shape', withHeader(JSON.stringify({ ...header, w: { ...header.w, shape: [3, 3] } })), /tensor 'w' of shape \[3,3\]/],
    ['overlap', withHeader(JSON.stringify({ ...header, idx: { ...header.idx, data_offsets: header.w.data_offsets.map((v: number) => v + 8) } })), /expected|overlapping|needs/],
  ];
  for (const [what, bytes, re] of bad) {
    const f = p(`bad-${what.replace(/ /g, '_')}.safetensors`);
    writeFileSync(f, bytes);
    assert.throws(() => torch.loadSafetensors(f), (e: Error) => re.test(e.message) && e.message.includes(f), what);
  }
});

test('loaded tensors own their memory: an in-place change to one leaves the others and the file as they were', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tstorch-own-'));
  try {
    // small storages (read through Node's shared buffer pool, so copied) and large ones (read into memory of
    // their own, which becomes the tensor's memory without a copy)
    const sd: Record<string, torch.Tensor> = {};
    for (let i = 0; i < 6; i++) sd[`small${i}`] = torch.full([3], i);
    for (let i = 0; i < 3; i++) sd[`large${i}`] = torch.full([4096], 10 + i);
    sd.int = torch.arange(5000, { dtype: torch.int64 });
    const file = join(dir, 'sd.pth');
    torch.save(sd, file);
    const a = torch.load(file) as Map<string, torch.Tensor> | Record<string, torch.Tensor>;
    const get = (m: typeof a, k: string): torch.Tensor => (m instanceof Map ? m.get(k) : m[k])!;
    get(a, 'small0').add_(100);
    get(a, 'large0').add_(100);
    get(a, 'int').mul_(2);
    for (let i = 1; i < 6; i++) assert.deepEqual(get(a, `small${i}`).toArray(), [i, i, i]);
    for (let i = 1; i < 3; i++) assert.equal(get(a, `large${i}`).sum().item(), 4096 * (10 + i));
    assert.deepEqual(get(a, 'small0').toArray(), [100, 100, 100]);
    assert.equal(get(a, 'large0').sum().item(), 4096 * 110);
    const b = torch.load(file) as typeof a;
    assert.deepEqual(get(b, 'small0').toArray(), [0, 0, 0]);
    assert.equal(get(b, 'large0').sum().item(), 4096 * 10);
    assert.equal(get(b, 'int').sum().item(), (4999 * 5000) / 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
