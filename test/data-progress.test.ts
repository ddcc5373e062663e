import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as torch from '../src/index.js';

const { ProgressBar, formatNumber } = torch.utils;

function sink(tty: boolean): Writable & { text: string; isTTY: boolean } {
  const w = new Writable({ write(chunk, _enc, cb) { (w as unknown as { text: string }).text += chunk.toString(); cb(); } }) as Writable & { text: string; isTTY: boolean };
  w.text = '';
  w.isTTY = tty;
  return w;
}

test('on a TTY the bar redraws in place with rate, ETA and postfix', () => {
  const out = sink(true);
  const bar = new ProgressBar({ total: 50, desc: 'epoch 1', unit: 'img', stream: out, minIntervalMs: 0 });
  for (let i = 0; i < 50; i++) {
    bar.update(1);
    if (i === 24) bar.setPostfix({ loss: 0.123456, 'img/s': 12345.678 });
  }
  bar.close();
  const frames = out.text.split('\r').filter((s) => s.length > 0);
  assert.ok(frames.length >= 50, `one redraw per update, got ${frames.length}`);
  assert.ok(!out.text.slice(0, -1).includes('\n'), 'no newline before close');
  assert.ok(out.text.endsWith('\n'));
  const last = frames[frames.length - 1]!.trimEnd();
  assert.match(last, /^epoch 1: 100%\|#{25}\| 50\/50 \[\d\d:\d\d<00:00, [\d.]+k?img\/s, loss=0\.123, img\/s=1\.23e\+4\]$/);
  assert.match(frames[10]!, /^epoch 1:  22%\|#{5,6} +\| 11\/50 \[/);
});

test('without a TTY it prints plain lines every 10% and on close', () => {
  const out = sink(false);
  const bar = new ProgressBar({ total: 200, stream: out });
  for (let i = 0; i < 200; i++) bar.update(1);
  bar.close();
  const lines = out.text.trimEnd().split('\n');
  assert.ok(!out.text.includes('\r'));
  assert.equal(lines.length, 10, lines.join('\n'));
  assert.match(lines[0]!, /^ 10%\|#+ +\| 20\/200/);
  assert.match(lines[9]!, /^100%\|#{25}\| 200\/200/);
});

test('unknown totals, byte units, wrap and number formatting', () => {
  const out = sink(false);
  const bar = new ProgressBar({ unit: 'B', unitScale: true, stream: out, desc: 'file' });
  bar.update(3 * 1024 * 1024);
  bar.close();
  assert.match(out.text, /^file: 3\.00MiB \[\d\d:\d\d, .*B\/s\]\n$/);
  const out2 = sink(false);
  assert.deepEqual([...ProgressBar.wrap([1, 2, 3], { stream: out2 })], [1, 2, 3]);
  assert.match(out2.text, /100%.*3\/3/);
  assert.equal(formatNumber(0.000123456), '0.000123');
  assert.equal(formatNumber(2.5e-7), '2.5e-7');
  assert.equal(formatNumber(1234.5), '1234.5');
  assert.equal(formatNumber(0.5), '0.5');
  assert.equal(formatNumber(42), '42');
  assert.throws(() => new ProgressBar({ total: -1 }), /total/);
  const quiet = sink(true);
  const q = new ProgressBar({ total: 3, stream: quiet, disable: true });
  q.update(3); q.close();
  assert.equal(quiet.text, '');
});
