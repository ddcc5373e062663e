// A small argument parser for the CLI: `--name value`, `--name=value`, `--flag`, `--no-flag`, positionals.
// Unknown options are an error that names them, so that a typo never silently changes a run.
import { UserError } from './errors.js';

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  default?: string | number | boolean;
  help: string;
  choices?: readonly string[];
}

export type Parsed<S extends Record<string, OptionSpec>> = {
  [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string | undefined;
} & { _: string[] };

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function parseArgs<S extends Record<string, OptionSpec>>(argv: string[], spec: S, command: string): Parsed<S> {
  const out: Record<string, unknown> = { _: [] as string[] };
  const byFlag = new Map<string, string>();
  for (const key of Object.keys(spec)) {
    byFlag.set(key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()), key);
    if (spec[key]!.default !== undefined) out[key] = spec[key]!.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) { (out._ as string[]).push(a); continue; }
    let [flag, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let negate = false;
    if (!byFlag.has(flag) && flag.startsWith('no-') && byFlag.has(flag.slice(3))) { flag = flag.slice(3); negate = true; }
    const key = byFlag.get(flag) ?? (spec[camel(flag)] ? camel(flag) : undefined);
    if (key === undefined) throw new UserError(`${command}: unknown option --${flag} (see 'tstorch ${command} --help')`);
    const s = spec[key]!;
    if (s.type === 'boolean') {
      out[key] = negate ? false : value === undefined ? true : !['false', '0', 'no'].includes(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UserError(`${command}: option --${flag} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UserError(`${command}: option --${flag} expects a number, got '${value}'`);
      out[key] = n;
    } else {
      if (s.choices && !s.choices.includes(value)) {
        throw new UserError(`${command}: --${flag} must be one of ${s.choices.join(', ')}; got '${value}'`);
      }
      out[key] = value;
    }
  }
  return out as Parsed<S>;
}

export function helpText(command: string, usage: string, spec: Record<string, OptionSpec>): string {
  const lines = [`Usage: tstorch ${command} ${usage}`, '', 'Options:'];
  for (const [k, s] of Object.entries(spec)) {
    const flag = '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    const def = s.default !== undefined ? ` (default: ${s.default})` : '';
    const choices = s.choices ? ` [${s.choices.join('|')}]` : '';
    lines.push(`  ${flag.padEnd(22)} ${s.help}${choices}${def}`);
  }
  return lines.join('\n');
}
