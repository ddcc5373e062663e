// Multi-node jobs on one machine: two `tstorch run` launchers, one per "node", each starting its workers, the
// agents meeting at node 0's TCPStore. (1) Two network namespaces joined by a veth pair, with addresses of
// their own (10.77.x.1 and .2), Gloo on each side's veth (GLOO_SOCKET_IFNAME), node 0's workers tstorch and
// node 1's PyTorch: skipped where namespaces cannot be made (not root, no `ip`). (2) Two launchers on
// 127.0.0.1 with node ranks 0 and 1. Both DDP jobs must end bit-identical to the all-PyTorch single-node
// run of the same job (test/helpers/ddp-parity.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../src/index.js';
import { ROOT, freePort } from './helpers/world.js';
import { PYTHON, requirePyTorch } from './helpers/pytorch.js';
import { ddpWorld, assertSameWorld, CIFAR, type DdpConfig, type RankOutput } from './helpers/ddp-parity.js';

const HEAVY = process.env.TSTORCH_HEAVY_TESTS === '1';
const cfg: DdpConfig = HEAVY ? { model: 'resnet18', steps: 20, batch: 32 } : { model: 'tiny', steps: 20, batch: 4, findUnused: true };

interface Node { prefix: string[]; worker: string[]; env: Record<string, string>; addr: string }

/** Runs one launcher per node and resolves with their outputs once both have exited. */
async function runNodes(nodes: Node[], masterAddr: string, port: number, out: string): Promise<RankOutput[]> {
  const full = JSON.stringify({ data: CIFAR, out, lr: 0.01, momentum: 0.9, seed: 1, ...cfg });
  const runs = nodes.map((n, rank) => new Promise<{ code: number | null; text: string }>((resolve) => {
    const args = [...n.prefix, process.execPath, '--import', 'tsx', 'src/cli/main.ts', 'run', '--nnodes', String(nodes.length), '--node-rank', String(rank),
      '--master-addr', masterAddr, '--master-port', String(port), '--nproc-per-node', '1', ...n.worker, full];
    const child = spawn(args[0]!, args.slice(1), { cwd: ROOT, env: { ...process.env, ...n.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.stderr.on('data', (d) => { text += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, text }); });
  }));
  const results = await Promise.all(runs);
  results.forEach((r, i) => assert.equal(r.code, 0, `node ${i}:\n${r.text.slice(-4000)}`));
  return nodes.map((_, r) => {
    const j = JSON.parse(readFileSync(join(out, `rank${r}.json`), 'utf8'));
    return { kind: j.kind, state: torch.load(join(out, `rank${r}.pt`)) as Record<string, torch.Tensor>, losses: j.losses, times: j.times, logging: j.logging };
  });
}

const tsWorker = ['test/helpers/ddp-worker.ts'];
const pyWorker = [PYTHON, 'test/helpers/ddp_reference.py'];

/** Two namespaces joined by a veth pair; null when this machine cannot make them. */
function makeNamespaces(): { ns: [string, string]; ifs: [string, string]; ips: [string, string]; remove: () => void } | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || spawnSync('ip', ['-V']).status !== 0) return null;
  const id = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
  const ns: [string, string] = [`tsA${id}`, `tsB${id}`];
  const ifs: [string, string] = [`tsva${id}`, `tsvb${id}`];
  const net = `10.77.${Number(id) % 250}`;
  const ips: [string, string] = [`${net}.1`, `${net}.2`];
  const remove = () => { for (const n of ns) spawnSync('ip', ['netns', 'del', n]); };
  const steps = [
    ['netns', 'add', ns[0]], ['netns', 'add', ns[1]], ['link', 'add', ifs[0], 'type', 'veth', 'peer', 'name', ifs[1]],
    ['link', 'set', ifs[0], 'netns', ns[0]], ['link', 'set', ifs[1], 'netns', ns[1]],
    ...[0, 1].flatMap((i) => [
      ['netns', 'exec', ns[i]!, 'ip', 'addr', 'add', `${ips[i]}/24`, 'dev', ifs[i]!], ['netns', 'exec', ns[i]!, 'ip', 'link', 'set', ifs[i]!, 'up'],
      ['netns', 'exec', ns[i]!, 'ip', 'link', 'set', 'lo', 'up'],
    ]),
  ];
  for (const s of steps) {
    if (spawnSync('ip', s, { stdio: 'ignore' }).status !== 0) {
      remove();
      return null;
    }
  }
  return { ns, ifs, ips, remove };
}

const skip = !existsSync(CIFAR) && 'no CIFAR-10 data';
let reference: RankOutput[] | null = null;
async function ref(): Promise<RankOutput[]> {
  reference ??= await ddpWorld('pp', cfg);
  return reference;
}

test('two nodes in separate network namespaces (tstorch workers on one, PyTorch workers on the other) equal the single-node PyTorch job', { skip }, async (t) => {
  requirePyTorch();
  const nets = makeNamespaces();
  if (!nets) {
    t.skip('network namespaces are not available here (needs root and iproute2)');
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'tstorch-netns-'));
  try {
    const nodes: Node[] = [0, 1].map((i) => ({
      prefix: ['ip', 'netns', 'exec', nets.ns[i]!], worker: i === 0 ? tsWorker : pyWorker, env: { GLOO_SOCKET_IFNAME: nets.ifs[i]! }, addr: nets.ips[i]!,
    }));
    const got = await runNodes(nodes, nets.ips[0], 29500, out);
    assert.deepEqual(got.map((g) => g.kind), ['tstorch', 'pytorch']);
    assertSameWorld(await ref(), got, 'two namespaces');
  } finally {
    nets.remove();
    rmSync(out, { recursive: true, force: true });
  }
});

test('two launchers on 127.0.0.1 with node ranks 0 and 1 equal the single-node PyTorch job', { skip }, async () => {
  requirePyTorch();
  const out = mkdtempSync(join(tmpdir(), 'tstorch-2nodes-'));
  try {
    const nodes: Node[] = [0, 1].map((i) => ({ prefix: [], worker: i === 0 ? tsWorker : pyWorker, env: {}, addr: '127.0.0.1' }));
    assertSameWorld(await ref(), await runNodes(nodes, '127.0.0.1', await freePort(), out), 'two launchers');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
