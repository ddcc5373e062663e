// The API reference: TypeDoc's pages generated from the TypeScript sources (their doc comments and types), plus
// one page that names, for every public function, method and constructor, the PyTorch/torchvision callable it
// mirrors and its parameters in PyTorch's order. That table comes from the argument binder's registry
// (src/args.ts), the same signatures that bind every call, so it cannot drift from what the code accepts.
//
//   npm run build && npm run docs        -> docs/api/index.html (not committed; CI builds it)
//
// It fails when a bound callable has no PyTorch name, and when TypeDoc reports an error.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => pathToFileURL(join(root, 'dist', p)).href;
const torch = await import(dist('index.js'));
const vision = await import(dist('vision/index.js'));
const { signatureOf } = await import(dist('args.js'));

/** Every namespace of the public API, walked to any depth (torch.nn.functional, vision.transforms.functional...). */
const rows = [];
const seen = new Set();
function walk(prefix, ns, depth) {
  if (depth > 4 || ns === null || typeof ns !== 'object' || seen.has(ns)) return;
  seen.add(ns);
  for (const [name, v] of Object.entries(ns)) {
    const q = `${prefix}.${name}`;
    if (typeof v === 'function') {
      const sig = signatureOf(v);
      if (sig !== undefined) rows.push([q, sig]);
    } else if (isNamespace(v) || isPlain(v)) {
      walk(q, v, depth + 1);
    }
  }
}
const isNamespace = (v) => v !== null && typeof v === 'object' && v[Symbol.toStringTag] === 'Module';
const isPlain = (v) => v !== null && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v));
walk('torch', torch, 0);
walk('vision', vision, 0);
for (const name of Object.getOwnPropertyNames(torch.Tensor.prototype)) {
  const d = Object.getOwnPropertyDescriptor(torch.Tensor.prototype, name);
  const sig = typeof d.value === 'function' ? signatureOf(d.value) : undefined;
  if (sig !== undefined) rows.push([`Tensor.${name}`, sig]);
}

const unnamed = rows.filter(([, sig]) => !sig.pyName);
if (unnamed.length) {
  console.error(`api-docs: no PyTorch name for ${unnamed.map(([q]) => q).join(', ')}`);
  process.exit(1);
}

const cell = (s) => s.replace(/\|/g, '\\|');
const params = (sig) => {
  const pos = sig.positional.map((p, i) => (p === sig.variadic ? `...${p}` : i < sig.required ? p : `${p}?`));
  return [...pos, ...(sig.keywordOnly.length ? ['*', ...sig.keywordOnly] : []), ...(sig.varKeyword ? [`**${sig.varKeyword}`] : [])].join(', ');
};
rows.sort((a, b) => a[0].localeCompare(b[0]));
const md = [
  '---',
  'title: PyTorch names',
  '---',
  '# PyTorch names of the API',
  '',
  'Every public function, method and constructor of tstorch, the PyTorch or torchvision callable it mirrors, and its',
  "parameters in PyTorch's order (camelCase). A call may pass them positionally in that order, or by name in one",
  'options object as the last argument; `*` starts the keyword-only ones (options object only), and `**name` takes any',
  "other keyword (Python's **kwargs). One positional argument too many, or an unknown option key, is a TypeError naming",
  'it. See also the "Porting from PyTorch" page.',
  '',
  `${rows.length} callables.`,
  '',
  '| tstorch | PyTorch | parameters |',
  '| --- | --- | --- |',
  ...rows.map(([q, sig]) => `| \`${cell(q)}\` | \`${cell(sig.pyName)}\` | ${sig.spec.trim() === '' ? '(none)' : `\`${cell(params(sig))}\``} |`),
  '',
].join('\n');
const gen = join(root, 'docs', 'api-generated');
mkdirSync(gen, { recursive: true });
writeFileSync(join(gen, 'pytorch-names.md'), md);
console.log(`api-docs: ${rows.length} callables with their PyTorch names -> docs/api-generated/pytorch-names.md`);

const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
const r = spawnSync(process.execPath, [typedoc,
  '--entryPoints', join(root, 'src/index.ts'), '--entryPoints', join(root, 'src/vision/index.ts'),
  '--tsconfig', join(root, 'tsconfig.json'), '--out', join(root, 'docs', 'api'),
  '--name', 'tstorch', '--readme', join(root, 'README.md'),
  '--projectDocuments', join(gen, 'pytorch-names.md'), '--projectDocuments', join(root, 'docs', 'porting.md'),
  '--excludePrivate', '--excludeInternal', '--skipErrorChecking', '--logLevel', 'Error',
  '--validation.notExported', 'false', '--validation.invalidLink', 'false',
], { stdio: 'inherit', cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log('api-docs: docs/api/index.html');
