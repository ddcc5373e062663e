// Lists the public callables whose TypeScript types reject a positional form that PyTorch allows and the binder
// accepts (test/helpers/api-types.ts says how they are compared); test/api-types.test.ts holds the same check.
// Usage: node --import tsx scripts/positional-types.ts [--json]
import { checkPositionalTypes } from '../test/helpers/api-types.js';

const t0 = Date.now();
const { checked, findings, keywordOnlyRequired } = checkPositionalTypes();
if (process.argv.includes('--json')) console.log(JSON.stringify(findings, null, 1));
else {
  for (const f of findings) {
    const what = f.missing ?? [...f.rejected.map((r) => `rejects ${r}`), ...f.untyped.map((u) => `no declared type for '${u}'`)].join('; ');
    console.log(`${f.name}  [${f.spec}]: ${what}`);
  }
}
console.error(`${keywordOnlyRequired.length} have no positional form (a keyword-only parameter is required): ${keywordOnlyRequired.join(', ')}`);
console.error(`${findings.length} of ${checked} bound callables have types that reject a PyTorch positional form (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
