// A small argument parser for the CLI: `--name value`, `--name=value`, `--flag`, `--no-flag`, positionals.
// Every command declares its options in one table (OptionSpec) with their constraints: the range of a number, a
// list of numbers, what a path must be. The parser checks them all where it reads them, so that no command can
// forget one: a bad value is a UserError (one line, exit 1) naming the option, before any work starts. Unknown
// options and extra positional arguments are errors too, so that a typo never silently changes a run.
import { existsSync, statSync } from 'node:fs';
import { UserError } from './errors.js';
import { outputDirProblem, outputFileProblem } from '../utils/output-path.js';

export interface OptionSpec {
  /** 'numbers': comma-separated numbers (e.g. --mean 0.5,0.5,0.5). */
  type: 'string' | 'number' | 'boolean' | 'numbers';
  default?: string | number | boolean;
  help: string;
  choices?: readonly string[];
  /** Numbers: whole numbers only. */
  integer?: boolean;
  /** Numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** Numbers: exclusive bounds (a learning rate above 0, a momentum below 1). */
  above?: number;
  below?: number;
  /** 'numbers': how many there must be; `nonzero`: none may be 0 (a standard deviation). */
  count?: number;
  nonzero?: boolean;
  /**
   * Strings naming a path: 'file' and 'dir' must exist as such; 'outDir' is a folder that exists or can be
   * created (checked before anything is created); 'outFile' a file whose folder exists.
   */
  path?: 'file' | 'dir' | 'outDir' | 'outFile';
}

/**
 * The constraints of the options that mean the same thing in every command, applied wherever a command uses the
 * name (a command's own table entry may narrow them): the one table no command can forget.
 */
export const OPTION_RULES: Record<string, Partial<OptionSpec>> = {
  epochs: { integer: true, min: 1, max: 1_000_000 },
  batchSize: { integer: true, min: 1, max: 65_536 },
  lr: { above: 0, max: 1000 },
  momentum: { min: 0, below: 1 },
  weightDecay: { min: 0, max: 1 },
  workers: { integer: true, min: 0, max: 64 },
  threads: { integer: true, min: 0, max: 256 },
  seed: { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  maxSteps: { integer: true, min: 0 },
  maxTest: { integer: true, min: 0 },
  logEvery: { integer: true, min: 0 },
  topk: { integer: true, min: 1, max: 1000 },
  gridMax: { integer: true, min: 1, max: 1024 },
  show: { integer: true, min: 0, max: 1024 },
  depth: { integer: true, min: 0, max: 100 },
  out: { path: 'outDir' },
  json: { path: 'outFile' },
  grid: { path: 'outFile' },
  // distributed jobs (train's launcher flags, tstorch run)
  nprocPerNode: { integer: true, min: 1, max: 1024 },
  nnodes: { integer: true, min: 1, max: 65_536 },
  nodeRank: { integer: true, min: 0, max: 65_535 },
  masterPort: { integer: true, min: 1, max: 65_535 },
  maxRestarts: { integer: true, min: 0, max: 1000 },
  // serving (tstorch serve); the server checks its options again for library callers
  port: { integer: true, min: 0, max: 65_535 },
  modelWorkers: { integer: true, min: 0, max: 64 },
  maxBatchDelay: { min: 0, max: 60_000 },
  queueSize: { integer: true, min: 1, max: 1_000_000 },
  timeout: { integer: true, min: 1 },
  maxBodyBytes: { integer: true, min: 1, max: 2 ** 32 },
  maxImagePixels: { integer: true, min: 1 },
  maxImagesPerRequest: { integer: true, min: 1, max: 100_000 },
  // video models (predict)
  clipLen: { integer: true, min: 1, max: 10_000 },
  frameRate: { above: 0, max: 1000 },
  clips: { integer: true, min: 1, max: 1000 },
  // segment's colour opacity, flow's RAFT updates
  alpha: { min: 0, max: 1 },
  updates: { integer: true, min: 1, max: 1000 },
  mean: { count: 3 },
  std: { count: 3, nonzero: true },
};

/** An option's table entry with the shared rules for its name (number rules for numbers, path rules for strings). */
function withRules(key: string, s: OptionSpec): OptionSpec {
  const rule = OPTION_RULES[key];
  if (rule === undefined) return s;
  const applies = rule.path !== undefined ? s.type === 'string' : s.type === 'number' || s.type === 'numbers';
  return applies ? { ...rule, ...s } : s;
}

/** How many positional arguments a command takes (default: none). */
export interface Positionals {
  min?: number;
  max?: number;
}

type Value<O extends OptionSpec> = O['type'] extends 'number' ? number : O['type'] extends 'boolean' ? boolean
  : O['type'] extends 'numbers' ? number[] | undefined : string | undefined;

export type Parsed<S extends Record<string, OptionSpec>> = { [K in keyof S]: Value<S[K]> } & { _: string[] };

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** The constraint a number breaks, in words, or null. */
function numberProblem(n: number, s: OptionSpec): string | null {
  if (!Number.isFinite(n)) return 'a finite number';
  if (s.integer && !Number.isInteger(n)) return 'a whole number';
  const parts: string[] = [];
  if (s.min !== undefined) parts.push(`at least ${s.min}`);
  if (s.above !== undefined) parts.push(`above ${s.above}`);
  if (s.max !== undefined) parts.push(`at most ${s.max}`);
  if (s.below !== undefined) parts.push(`below ${s.below}`);
  const bad = (s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max) ||
    (s.above !== undefined && !(n > s.above)) || (s.below !== undefined && !(n < s.below));
  if (!bad) return null;
  return `${s.integer ? 'a whole number' : 'a number'} ${parts.join(' and ')}`;
}

function pathProblem(p: string, kind: NonNullable<OptionSpec['path']>): string | null {
  switch (kind) {
    case 'file':
      if (!existsSync(p)) return `no such file '${p}'`;
      return statSync(p).isFile() ? null : `'${p}' is not a file`;
    case 'dir':
      if (!existsSync(p)) return `no such folder '${p}'`;
      return statSync(p).isDirectory() ? null : `'${p}' is not a folder`;
    case 'outDir': return outputDirProblem(p);
    case 'outFile': return outputFileProblem(p);
  }
}

/** Checks one option's value against its table entry; returns the typed value or throws a UserError naming it. */
export function checkOption(command: string, flag: string, s: OptionSpec, raw: string): string | number | number[] {
  const fail = (why: string): never => { throw new UserError(`${command}: --${flag} ${why}`); };
  if (s.type === 'number') {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (Number.isNaN(n)) fail(`expects a number, got '${raw}'`);
    const why = numberProblem(n, s);
    if (why !== null) fail(`must be ${why}, got ${raw}`);
    return n;
  }
  if (s.type === 'numbers') {
    const v = raw.split(',').map((x) => (x.trim() === '' ? NaN : Number(x.trim())));
    if (s.count !== undefined && v.length !== s.count) fail(`needs ${s.count} comma-separated numbers, got '${raw}'`);
    v.forEach((n) => {
      const why = numberProblem(n, s);
      if (why !== null) fail(`needs ${s.count ?? ''} comma-separated numbers, each ${why}; got '${raw}'`.replace('  ', ' '));
      if (s.nonzero && n === 0) fail(`values must not be 0 (a division by zero), got '${raw}'`);
    });
    return v;
  }
  if (s.choices && !s.choices.includes(raw)) fail(`must be one of ${s.choices.join(', ')}; got '${raw}'`);
  if (s.path !== undefined) {
    const why = pathProblem(raw, s.path);
    if (why !== null) fail(`'${raw}': ${why}`);
  }
  return raw;
}

export function parseArgs<S extends Record<string, OptionSpec>>(argv: string[], spec: S, command: string, positionals: Positionals = {}): Parsed<S> {
  const out: Record<string, unknown> = { _: [] as string[] };
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(spec)) {
    byFlag.set(kebab(key), key);
    const s = withRules(key, spec[key]!);
    if (s.default !== undefined) out[key] = s.type === 'numbers' ? checkOption(command, kebab(key), s, String(s.default)) : s.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') { (out._ as string[]).push(a); continue; }
    let [flag, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let negate = false;
    if (!byFlag.has(flag) && flag.startsWith('no-') && byFlag.has(flag.slice(3))) { flag = flag.slice(3); negate = true; }
    const key = byFlag.get(flag) ?? (spec[camel(flag)] ? camel(flag) : undefined);
    if (key === undefined) throw new UserError(`${command}: unknown option --${flag} (see 'tstorch ${command} --help')`);
    const s = withRules(key, spec[key]!);
    if (s.type === 'boolean') {
      if (value !== undefined && !['true', 'false', '1', '0', 'yes', 'no'].includes(value)) {
        throw new UserError(`${command}: --${flag} is a switch (true or false), got '${value}'`);
      }
      out[key] = negate ? false : value === undefined ? true : !['false', '0', 'no'].includes(value);
      continue;
    }
    if (negate) throw new UserError(`${command}: --no-${flag} is not a switch; give --${flag} a value`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UserError(`${command}: option --${flag} needs a value`);
    }
    out[key] = checkOption(command, flag, s, value);
  }
  const pos = out._ as string[];
  const min = positionals.min ?? 0, max = positionals.max ?? 0;
  if (pos.length > max) {
    throw new UserError(`${command}: unexpected argument '${pos[max]}'${max === 0 ? ` (${command} takes options only)` : ''} (see 'tstorch ${command} --help')`);
  }
  if (pos.length < min) throw new UserError(`${command}: expected ${min} argument${min === 1 ? '' : 's'} (see 'tstorch ${command} --help')`);
  return out as Parsed<S>;
}

export function helpText(command: string, usage: string, spec: Record<string, OptionSpec>): string {
  const lines = [`Usage: tstorch ${command} ${usage}`, '', 'Options:'];
  for (const [k, s] of Object.entries(spec)) {
    const flag = '--' + kebab(k);
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    const choices = s.choices ? ` [${s.choices.join('|')}]` : '';
    lines.push(`  ${flag.padEnd(22)} ${s.help}${choices}${def}`);
  }
  return lines.join('\n');
}
