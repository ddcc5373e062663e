// Runs one DDP parity world (test/helpers/ddp-worker.ts and ddp_reference.py, as ddp-parity.ts does) many times in
// a row and counts hangs: the tool that caught the intermittent join() hang (PyTorch 1.13's exit deadlock, see
// test/helpers/gloo_exit_deadlock.py). Run by hand, ideally on a loaded machine:
//   node --import tsx test/helpers/ddp-world-loop.ts WORLD RUNS [CONFIG_JSON] [ENV_JSON]
//   e.g. node --import tsx test/helpers/ddp-world-loop.ts tp 40
//        node --import tsx test/helpers/ddp-world-loop.ts tp 1 '{}' '{"TORCH_DISTRIBUTED_DEBUG":"DETAIL"}'
// WORLD is one letter per rank (t: tstorch, p: PyTorch); CONFIG_JSON overrides the join() world's config (the
// variants test's: tiny model, 10 steps, batch 4, findUnused, join 3). DEADLINE (ms, default 60000) bounds one
// world; 15 s before it, the gdb stacks of every rank still running go to $TMPDIR/ddp-hang-<world>-<run>-<pid>.txt.
// Exits 1 if any world hung or failed.
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CIFAR, kindsOf } from './ddp-parity.js';
import { failures, runWorld } from './world.js';

const world = process.argv[2] ?? 'tp';
const runs = Number(process.argv[3] ?? 10);
const overrides = process.argv[4] ? JSON.parse(process.argv[4]) as Record<string, unknown> : {};
const env = process.argv[5] ? JSON.parse(process.argv[5]) as Record<string, string> : {};
const deadlineMs = Number(process.env.DEADLINE ?? 60_000);
if (!/^[tp]+$/.test(world) || !Number.isInteger(runs) || runs < 1 || !(deadlineMs > 15_000)) {
  console.error('usage: ddp-world-loop.ts WORLD(t|p letters) RUNS [CONFIG_JSON] [ENV_JSON]; DEADLINE > 15000 ms');
  process.exit(2);
}

/** gdb stacks of this process's children (the ranks) into files, to see where a hung rank waits. */
function dumpStacks(run: number): void {
  // The shell that ran pgrep is a child too, gone by now.
  const pids = execSync(`pgrep -P ${process.pid} || true`).toString().split('\n').filter((p) => p && existsSync(`/proc/${p}`));
  for (const pid of pids) {
    const file = join(tmpdir(), `ddp-hang-${world}-${run}-${pid}.txt`);
    try {
      writeFileSync(file, execSync(`tr '\\0' ' ' < /proc/${pid}/cmdline; echo; gdb -p ${pid} -batch -ex 'thread apply all bt' 2>&1`, { maxBuffer: 1 << 26 }));
      console.log(`run ${run}: stacks of pid ${pid} in ${file}`);
    } catch (e) {
      console.log(`run ${run}: no stacks of pid ${pid}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

let hangs = 0;
let fails = 0;
for (let run = 0; run < runs; run++) {
  const out = mkdtempSync(join(tmpdir(), 'tstorch-ddp-loop-'));
  const cfg = { data: CIFAR, out, lr: 0.01, momentum: 0.9, seed: 1, model: 'tiny', steps: 10, batch: 4, findUnused: true, join: 3, ...overrides };
  const t0 = performance.now();
  const watchdog = setTimeout(() => dumpStacks(run), deadlineMs - 15_000);
  const res = await runWorld(kindsOf(world), { ts: 'test/helpers/ddp-worker.ts', py: 'test/helpers/ddp_reference.py', args: [JSON.stringify(cfg)], env, deadlineMs });
  clearTimeout(watchdog);
  rmSync(out, { recursive: true, force: true });
  const hung = res.some((r) => r.timedOut);
  const failed = !hung && res.some((r) => r.code !== 0);
  if (hung) hangs++;
  if (failed) fails++;
  console.log(`run ${run} ${world} ${((performance.now() - t0) / 1000).toFixed(1)}s ${res.map((r) => `${r.kind}:${r.code ?? r.signal}${r.timedOut ? '(hung)' : ''}`).join(' ')}`);
  if (hung || failed) console.log(failures(res));
}
console.log(`SUMMARY world=${world} runs=${runs} hangs=${hangs} fails=${fails}`);
process.exit(hangs + fails > 0 ? 1 : 0);
