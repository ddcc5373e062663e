// A corpus of small hostile checkpoints, one per class of attack or corruption, loaded by tstorch in a child
// process (so that an abort or a stack overflow shows as a signal) and by PyTorch's torch.load. Each must end within
// seconds and under 1 GiB; where PyTorch loads a file, tstorch loads the same thing (compared object for object),
// and where PyTorch refuses it, tstorch refuses it with a SerializationError. The few files tstorch refuses although
// PyTorch loads them are listed with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { runPython } from './helpers/pytorch.js';
import { PY_ORACLE } from './helpers/load-oracle.js';
import { checkpointZip, float32Bytes, op, pk, tensorRecord, zipOf } from './helpers/hostile-checkpoints.js';
import * as torch from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tstorch-hostile-ck-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const P = (...parts: Parameters<typeof pk>): Uint8Array => pk(op.proto(2), ...parts, op.stop);
const zipped = (pickle: Uint8Array, storages: Record<string, Uint8Array> = {}, opts: Parameters<typeof checkpointZip>[2] = {}): Uint8Array =>
  checkpointZip(pickle, storages, opts);

interface Case {
  name: string;
  bytes: Uint8Array;
  /** tstorch refuses it on purpose although PyTorch loads it: why. */
  refuseAnyway?: string;
  /** Too slow for PyTorch itself (exponential there): tstorch only. */
  tstorchOnly?: string;
}

const cases: Case[] = [];
const add = (name: string, bytes: Uint8Array, extra: Partial<Case> = {}): void => { cases.push({ name, bytes, ...extra }); };

// ---- a plain checkpoint, for reference
const state = P(op.global('collections', 'OrderedDict'), op.emptyTuple, op.reduce, op.mark, op.str('w'), tensorRecord('0', 4), op.setitems);
add('plain state dict', zipped(state, { 0: float32Bytes([1, 2, 3, 4]) }));

// ---- big integers: linear time
const big = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
add('LONG4 of 1 MiB', zipped(P(op.long4(big))));
add('LONG4 negative', zipped(P(op.long4(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0xf0])))));
add('INT text of 4300 digits', zipped(P('I', '7'.repeat(4300), '\n')));
add('INT text of 4301 digits (Python 3.11 refuses)', zipped(P('I', '7'.repeat(4301), '\n')));
add('INT text octal 010', zipped(P('I010\n')));
add('LONG text with L', zipped(P('L123456789012345678901234567890L\n')));
add('FLOAT text overflow', zipped(P('F1e400\n')));

// ---- DAGs: shared structure must cost its size, not its unfolded size
const dagKey = (depth: number): Uint8Array => P(op.emptyDict, op.int(1), op.tuple1, ...Array(depth).fill(pk(op.dup, op.tuple2)), op.int(0), op.setitem);
add('tuple key DAG of depth 20', zipped(dagKey(20)));
add('tuple key DAG of depth 40', zipped(dagKey(40)), { tstorchOnly: "Python's tuple hash is recursive and uncached: 2^40 steps" });
add('list value DAG of depth 60', zipped(P(op.emptyList, ...Array(60).fill(pk(op.dup, op.tuple2)))));

// ---- nesting
const nested = (depth: number): Uint8Array => P(new Uint8Array(depth).fill(0x5d), new Uint8Array(depth - 1).fill(0x61)); // ]]]... aaa...
add('lists nested 900 deep', zipped(nested(900)));
add('lists nested 100000 deep', zipped(nested(100_000)), { refuseAnyway: "deeper than Python's own pickler can write (recursion limit 1000): a depth limit, not a stack overflow" });

// ---- dict semantics
add('SETITEMS with an odd count', zipped(P(op.emptyDict, op.mark, op.str('a'), op.int(1), op.str('b'), op.setitems)));
add('DICT with an odd count', zipped(P(op.mark, op.str('a'), op.int(1), op.str('b'), op.dict)));
add('True, 1 and 1.0 are one key', zipped(P(op.emptyDict, op.mark, op.newtrue, op.int(1), op.int(1), op.int(2), op.float(1), op.int(3),
  op.int(1), op.int(2), op.tuple2, op.int(4), op.newtrue, op.float(2), op.tuple2, op.int(5), op.setitems)));
add('integer-like string keys keep their order', zipped(P(op.emptyDict, op.mark, op.str('10'), op.int(1), op.str('2'), op.int(2),
  op.str('b'), op.int(3), op.str('1'), op.int(4), op.setitems)));
add('__proto__ as a key', zipped(P(op.emptyDict, op.str('__proto__'), op.int(1), op.setitem)));
add('bytes and str keys differ', zipped(P(op.emptyDict, op.mark, 'C', 1, 'a', op.int(1), op.str('a'), op.int(2), op.setitems)));
add('two NaN keys', zipped(P(op.emptyDict, op.mark, op.float(NaN), op.int(1), op.float(NaN), op.int(2), op.setitems)),
  { refuseAnyway: 'a JavaScript Map cannot hold two NaN keys' });
add('a list as a key', zipped(P(op.emptyDict, op.emptyList, op.int(1), op.setitem)));
add('a tuple holding a list as a key', zipped(P(op.emptyDict, op.emptyList, op.tuple1, op.int(1), op.setitem)));
add('set items merge like Python', zipped(P(op.global('builtins', 'set'), op.mark, op.int(1), op.newtrue, op.float(1), op.int(2), op.list, op.tuple1, op.reduce)));
add('BUILD with state on a plain dict', zipped(P(op.emptyDict, op.emptyDict, op.str('x'), op.int(1), op.setitem, op.build)));
add('OrderedDict made by NEWOBJ is empty', zipped(P(op.global('collections', 'OrderedDict'), op.mark, op.mark, op.str('a'), op.int(1), op.tuple2, op.list, op.tuple, op.newobj)));
add('Counter of a list counts', zipped(P(op.global('collections', 'Counter'), op.mark, op.str('a'), op.str('a'), op.str('b'), op.list, op.tuple1, op.reduce)));

// ---- the machine: stack, memo, calls
add('APPEND to a tuple', zipped(P(op.emptyTuple, op.int(1), op.append)));
add('APPEND to a list below a MARK', zipped(P(op.emptyList, op.mark, op.int(1), op.append)));
add('NEWOBJ on a function', zipped(P(op.global('torch._utils', '_rebuild_tensor'), op.emptyTuple, op.newobj)));
add('REDUCE with a list of arguments', zipped(P(op.global('collections', 'OrderedDict'), op.emptyList, op.reduce)));
add('REDUCE with too many arguments', zipped(P(op.global('collections', 'OrderedDict'), op.mark, op.none, op.none, op.tuple, op.reduce)));
add('memo index 2^31-1', zipped(P(op.int(1), op.longBinput(0x7fffffff))));
add('memo GET of a missing index', zipped(P(op.binget(3))));
add('FRAME longer than the data', zipped(pk(op.proto(4), op.frame(1 << 20), op.int(1), op.stop)));
add('POP of a MARK', zipped(P(op.int(1), op.mark, op.pop)));
add('STOP with only a MARK', zipped(P(op.mark)));
add('invalid UTF-8 in a string', zipped(P(op.rawStr(Uint8Array.from([0x61, 0xff, 0x62])))));
add('an encoded surrogate in a string', zipped(P(op.rawStr(Uint8Array.from([0x61, 0xed, 0xa0, 0x80])))));
add('unknown opcode', zipped(P(0xff)));

// ---- tensor records
const withRG = (rg: Uint8Array | number[]): Uint8Array => {
  const rec = tensorRecord('0', 2);
  const s = Buffer.from(rec);
  const at = s.lastIndexOf(0x89); // the NEWFALSE of requires_grad
  return Uint8Array.from([...rec.slice(0, at), ...rg, ...rec.slice(at + 1)]);
};
add('requires_grad is an int', zipped(P(withRG(op.int(1))), { 0: float32Bytes([1, 2]) }));
add('tensor past its storage', zipped(P(tensorRecord('0', 2, [3])), { 0: float32Bytes([1, 2]) }));
add('storage record missing', zipped(P(tensorRecord('0', 2), op.pop, op.none)));
add('storage shorter than its record', zipped(P(tensorRecord('0', 4)), { 0: float32Bytes([1, 2]) }),
  { refuseAnyway: 'PyTorch 1.13 reads past the end of the storage (the values are garbage)' });
add('storage persistent id with 3 fields', zipped(P(op.mark, op.str('storage'), op.global('torch', 'FloatStorage'), op.str('0'), op.tuple, op.binpersid), { 0: float32Bytes([1]) }));

// ---- the zip container
const okPickle = P(op.str('ok'));
add('zip: no version record', zipped(okPickle, {}, { version: null }));
add("zip: version 'abc'", zipped(okPickle, {}, { version: 'abc' }));
add('zip: version 0', zipped(okPickle, {}, { version: '0' }));
add('zip: version 99', zipped(okPickle, {}, { version: '99' }));
add('zip: version -1', zipped(okPickle, {}, { version: '-1' }));
add("zip: version ' 3' with junk after", zipped(okPickle, {}, { version: ' 3abc' }));
add('zip: first entry not in a folder', zipOf([{ name: 'x', data: Uint8Array.of(1) }, { name: 'archive/data.pkl', data: okPickle }, { name: 'archive/version', data: Uint8Array.of(0x33) }]));
add('zip: an entry outside the folder', zipOf([{ name: 'archive/data.pkl', data: okPickle }, { name: 'archive/version', data: Uint8Array.of(0x33) }, { name: 'other/x', data: Uint8Array.of(1) }]));
add('zip: multi-disk end record', zipOf([{ name: 'archive/data.pkl', data: okPickle }, { name: 'archive/version', data: Uint8Array.of(0x33) }], { eocdEntriesThisDisk: 1 }));
add('zip: every entry deflated', zipped(state, { 0: float32Bytes([1, 2, 3, 4]) }, { deflate: true }));
add('zip: CRC mismatch', zipOf([{ name: 'archive/data.pkl', data: okPickle, crc: 12345 }, { name: 'archive/version', data: Uint8Array.of(0x33) }]),
  { refuseAnyway: 'PyTorch builds miniz without CRC checks; a checksum that fails is corruption' });
const zeros = new Uint8Array(zlib.deflateRawSync(Buffer.alloc(64 << 20)));
add('zip: deflate bomb (64 MiB behind a 100-byte declared size)', zipOf([{ name: 'archive/data.pkl', data: new Uint8Array(0), raw: zeros, declaredSize: 100 }, { name: 'archive/version', data: Uint8Array.of(0x33) }]));
add('zip: deflated entry declaring 4 GiB', zipOf([{ name: 'archive/data.pkl', data: new Uint8Array(0), raw: new Uint8Array(zlib.deflateRawSync(okPickle)), declaredSize: 0xfffffff0 }, { name: 'archive/version', data: Uint8Array.of(0x33) }]));
add('zip: deflated entry shorter than declared', zipOf([{ name: 'archive/data.pkl', data: new Uint8Array(0), raw: new Uint8Array(zlib.deflateRawSync(okPickle)), declaredSize: okPickle.length + 10 }, { name: 'archive/version', data: Uint8Array.of(0x33) }]));

for (const [i, c] of cases.entries()) writeFileSync(join(dir, `c${i}.pt`), c.bytes);
const pathOf = (i: number): string => join(dir, `c${i}.pt`);

// PyTorch's results, in one run (the tstorch-only cases are skipped there)
const py = runPython(PY_ORACLE + `
OUT_J = {p: (oracle(p) if p not in J['skip'] else None) for p in J['paths']}
`, { json: { paths: cases.map((_, i) => pathOf(i)), skip: cases.flatMap((c, i) => (c.tstorchOnly ? [pathOf(i)] : [])) } }, { timeoutMs: 600_000 }).json as Record<string, { canon?: string; error?: string } | null>;

// tstorch's, in a child process that reports each file's time and the peak memory
interface ChildResult { path: string; ok: boolean; canon?: string; error?: string; errorName?: string; ms: number; rssMiB: number }
const listFile = join(dir, 'list.json');
writeFileSync(listFile, JSON.stringify(cases.map((_, i) => pathOf(i))));
const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'helpers', 'hostile-child.ts'), 'load', listFile],
  { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
const lines = out.trim().split('\n').map((l) => JSON.parse(l) as ChildResult & { done?: boolean; peakMiB?: number });
const results = new Map(lines.filter((l) => !l.done).map((l) => [l.path, l]));
const peak = lines.find((l) => l.done)?.peakMiB;

if (process.env.TSTORCH_HOSTILE_REPORT === '1') {
  cases.forEach((c, i) => {
    const o = results.get(pathOf(i))!, r = py[pathOf(i)];
    console.log(`${c.name.padEnd(60)} ${String(o?.ms.toFixed(0)).padStart(5)} ms ${String(o?.rssMiB.toFixed(0)).padStart(5)} MiB | tstorch: ${o?.ok ? 'loads' : o?.error?.slice(0, 90)} | PyTorch: ${r === null ? '-' : r?.error === undefined ? 'loads' + (o?.ok ? (r?.canon === o.canon ? ' (same)' : ' (DIFFERENT)') : '') : r.error.slice(0, 70)}`);
  });
  console.log(`peak ${peak} MiB`);
}

test('every hostile checkpoint ends within seconds, under 1 GiB, in a clear SerializationError or in what PyTorch loads', () => {
  assert.ok(peak !== undefined, 'the child process finished');
  assert.ok(peak! < 1024, `peak resident memory ${peak!.toFixed(0)} MiB`);
  const problems: string[] = [];
  cases.forEach((c, i) => {
    const ours = results.get(pathOf(i));
    if (ours === undefined) { problems.push(`${c.name}: no result`); return; }
    if (ours.ms > 5000) problems.push(`${c.name}: took ${ours.ms.toFixed(0)} ms`);
    if (!ours.ok && ours.errorName !== 'SerializationError') problems.push(`${c.name}: ${ours.errorName}: ${ours.error}`);
    const ref = py[pathOf(i)];
    if (c.tstorchOnly !== undefined || ref === null || ref === undefined) return;
    if (c.refuseAnyway !== undefined) {
      if (ours.ok) problems.push(`${c.name}: expected a refusal (${c.refuseAnyway})`);
      return;
    }
    if (ref.error !== undefined && ours.ok) problems.push(`${c.name}: PyTorch refuses it (${ref.error}) but tstorch loads it`);
    if (ref.error === undefined && !ours.ok) problems.push(`${c.name}: PyTorch loads it but tstorch says ${ours.error}`);
    if (ref.error === undefined && ours.ok && ref.canon !== ours.canon) problems.push(`${c.name}: loads to something else than PyTorch's result`);
  });
  assert.deepEqual(problems, []);
});

test('the cases mean what they say: PyTorch loads the plain, merged and ordered ones, and refuses the broken ones', () => {
  const byName = (n: string): { canon?: string; error?: string } => py[pathOf(cases.findIndex((c) => c.name === n))]!;
  for (const n of ['plain state dict', 'LONG4 of 1 MiB', 'True, 1 and 1.0 are one key', 'integer-like string keys keep their order', 'zip: every entry deflated', "zip: version ' 3' with junk after"]) {
    assert.equal(byName(n).error, undefined, `${n}: ${byName(n).error}`);
  }
  for (const n of ['SETITEMS with an odd count', 'zip: no version record', 'zip: deflate bomb (64 MiB behind a 100-byte declared size)', 'APPEND to a tuple', 'a list as a key']) {
    assert.notEqual(byName(n).error, undefined, n);
  }
  // and the values, here: Python's merging and order
  const merged = torch.load(pathOf(cases.findIndex((c) => c.name === 'True, 1 and 1.0 are one key'))) as Map<unknown, unknown>;
  assert.deepEqual([...merged.entries()], [[true, 3], [[1, 2], 5]]);
  const ordered = torch.load(pathOf(cases.findIndex((c) => c.name === 'integer-like string keys keep their order'))) as Map<string, number>;
  assert.ok(ordered instanceof Map);
  assert.deepEqual([...ordered.keys()], ['10', '2', 'b', '1']);
  assert.throws(() => torch.load(pathOf(cases.findIndex((c) => c.name === 'lists nested 100000 deep'))), /nested more than 1000 levels/);
});
