// Lists every exported callable of the package (torch and vision namespaces, recursively) that has no argument
// signature registered in src/args.ts: the ones whose extra positional arguments would be dropped silently.
// test/api-args.test.ts walks the same way and lists the few that are exempt, with the reason.
// Usage: node --import tsx scripts/unbound-callables.ts [--count]
import * as torch from '../src/index.js';
import * as vision from '../src/vision/index.js';
import { signatureOf } from '../src/args.js';

// module namespaces, and plain objects standing for Python modules (torch.cuda, torch.backends.cudnn)
const isNamespace = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.prototype.toString.call(v) === '[object Module]'
    || [Object.prototype, null].includes(Object.getPrototypeOf(v)));

export function walkCallables(): [string, unknown][] {
  const out: [string, unknown][] = [];
  const seen = new Set<unknown>();
  const visit = (prefix: string, ns: Record<string, unknown>): void => {
    if (seen.has(ns)) return;
    seen.add(ns);
    for (const [name, v] of Object.entries(ns)) {
      if (name.startsWith('_')) continue;
      if (typeof v === 'function') out.push([`${prefix}.${name}`, v]);
      else if (isNamespace(v)) visit(`${prefix}.${name}`, v);
    }
  };
  visit('torch', torch as unknown as Record<string, unknown>);
  visit('vision', vision as unknown as Record<string, unknown>);
  return out;
}

const all = walkCallables();
const unbound = all.filter(([, f]) => signatureOf(f) === undefined);
if (process.argv.includes('--count')) console.log(`${unbound.length} of ${all.length} exported callables have no signature`);
else { for (const [q] of unbound) console.log(q); console.error(`${unbound.length} of ${all.length} unbound`); }
