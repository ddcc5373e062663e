// Compares the TypeScript types of the public API with the argument binder's signatures (src/args.ts): every
// positional form that PyTorch allows and the binder accepts at run time (`f(a, b, c)` for the spec
// 'a, b; c, d') must also type-check, or a port that is right at run time fails `tsc --noEmit`.
//
// How: the public callables are walked at run time (their specs come from signatureOf), a snippet that names each
// one (`const c12 = torch.nn.functional.maxPool2d;`) is type-checked in one Program with the package's sources,
// and for each callable the checker's call or construct signatures are expanded into the argument lists they
// accept (a rest parameter typed as a union of tuples, `PyRest`, gives one list per tuple). The type of each
// PyTorch parameter is read from the declarations themselves: the property of that name in an options object
// type (an interface or type literal member), else a declared parameter of that name, else, for a required
// leading parameter, the declared parameter at its position. A positional prefix is accepted when some argument
// list takes that many arguments and each parameter's type is assignable to the list's type at its position
// (never `never`).
import ts from 'typescript';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../../src/index.js';
import * as vision from '../../src/vision/index.js';
import { signatureOf, type Signature } from '../../src/args.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Callable {
  /** The first name it is exported as ('torch.nn.functional.maxPool2d'), or 'Tensor.topk' for a method. */
  readonly name: string;
  /** A TypeScript expression for it in the snippet. */
  readonly expr: string;
  readonly sig: Signature;
  readonly isClass: boolean;
}

export interface Finding {
  readonly name: string;
  readonly spec: string;
  /** The positional calls PyTorch allows that no declared signature accepts, e.g. 'maxPool2d(input, kernelSize, stride)'. */
  readonly rejected: string[];
  /** Parameters whose type no declaration gives (no options property, no parameter of that name). */
  readonly untyped: string[];
  /** Set when the callable is not in the TypeScript types at all, or has no call/construct signature. */
  readonly missing?: string;
}

const isNamespace = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && (Object.prototype.toString.call(v) === '[object Module]'
    || [Object.prototype, null].includes(Object.getPrototypeOf(v)));
const isClassValue = (f: unknown): boolean => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
const IDENT = /^[A-Za-z_$][\w$]*$/;

/** Every public callable with a registered signature, once each (under its first name), and the Tensor methods. */
export function boundCallables(): Callable[] {
  const out: Callable[] = [];
  const seen = new Set<unknown>();
  const visit = (prefix: string, expr: string, ns: Record<string, unknown>): void => {
    if (seen.has(ns)) return;
    seen.add(ns);
    for (const [name, v] of Object.entries(ns)) {
      if (name.startsWith('_')) continue;
      const e = IDENT.test(name) ? `${expr}.${name}` : `${expr}[${JSON.stringify(name)}]`;
      if (typeof v === 'function') {
        if (seen.has(v)) continue;
        seen.add(v);
        const sig = signatureOf(v);
        if (sig !== undefined) out.push({ name: `${prefix}.${name}`, expr: e, sig, isClass: isClassValue(v) });
      } else if (isNamespace(v)) visit(`${prefix}.${name}`, e, v);
    }
  };
  visit('torch', 'torch', torch as unknown as Record<string, unknown>);
  visit('vision', 'vision', vision as unknown as Record<string, unknown>);
  const proto = torch.Tensor.prototype as unknown as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const v = Object.getOwnPropertyDescriptor(proto, name)!.value as unknown;
    const sig = typeof v === 'function' ? signatureOf(v) : undefined;
    if (sig !== undefined) out.push({ name: `Tensor.${name}`, expr: `__tensor.${name}`, sig, isClass: false });
  }
  return out;
}

/** One argument list a signature accepts: fixed positions, how many are required, and a rest element type. */
interface ArgList { types: ts.Type[]; names: (string | undefined)[]; min: number; rest: ts.Type | null }

export interface CheckResult {
  /** How many callables were compared. */
  checked: number;
  findings: Finding[];
  /** Callables that have no positional form to compare: the declarations require a keyword-only parameter. */
  keywordOnlyRequired: string[];
  /** The compiler's diagnostics on `extraSource` (calls that must type-check, `@ts-expect-error` ones that must not). */
  extraDiagnostics: string[];
}

/**
 * Compares `callables` (by default every bound public callable) with their declared types. `extraSource` is
 * type-checked in the same Program after them (it sees `torch`, `vision`, `PyRest` and `__tensor`; declarations in
 * it may be named by extra callables' `expr`).
 */
export function checkPositionalTypes(callables: Callable[] = boundCallables(), extraSource = ''): CheckResult {
  const snippetPath = join(ROOT, 'test', '__api_types_snippet__.ts');
  const header = [
    "import * as torch from '../src/index.js';",
    "import * as vision from '../src/vision/index.js';",
    "import type { PyRest } from '../src/args.js';",
    'declare const __tensor: torch.Tensor;',
  ];
  const lines = [...header, ...callables.map((c, i) => `export const __c${i} = ${c.expr};`), extraSource];
  const snippet = lines.join('\n');
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), { noEmit: true }, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  })!;
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (file === snippetPath
    ? ts.createSourceFile(file, snippet, lang, true) : getSourceFile(file, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => file === snippetPath || fileExists(file);
  const program = ts.createProgram({ rootNames: [snippetPath], options: { ...config.options, noEmit: true }, host });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(snippetPath)!;

  // a callable the types lack is a diagnostic on its line
  const missingAt = new Map<number, string>();
  const extraDiagnostics: string[] = [];
  const extraLine0 = header.length + callables.length;
  for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
    const line = source.getLineAndCharacterOfPosition(d.start ?? 0).line;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (line >= extraLine0) extraDiagnostics.push(`line ${line - extraLine0 + 1} of the extra source: ${text}`);
    else missingAt.set(line - header.length, text);
  }

  const isNever = (t: ts.Type): boolean => (t.flags & ts.TypeFlags.Never) !== 0;
  const isAnyLike = (t: ts.Type): boolean => (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0;

  function argLists(sig: ts.Signature): ArgList[] {
    const types: ts.Type[] = [];
    const names: (string | undefined)[] = [];
    let min = 0;
    const params = sig.getParameters();
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const decl = p.valueDeclaration as ts.ParameterDeclaration | undefined;
      const t = checker.getTypeOfSymbol(p);
      if (decl !== undefined && ts.isParameter(decl) && decl.dotDotDotToken !== undefined && i === params.length - 1) {
        const lists: ArgList[] = [];
        for (const m of t.isUnion() ? t.types : [t]) {
          if (checker.isTupleType(m)) {
            const ref = m as ts.TypeReference;
            const elems = checker.getTypeArguments(ref);
            const target = ref.target as ts.TupleType;
            const labels = target.labeledElementDeclarations;
            const l: ArgList = { types: [...types], names: [...names], min, rest: null };
            elems.forEach((e, j) => {
              const flag = target.elementFlags[j]!;
              if (flag & (ts.ElementFlags.Rest | ts.ElementFlags.Variadic)) { l.rest = e; return; }
              l.types.push(e);
              const label = labels?.[j];
              l.names.push(label !== undefined && ts.isIdentifier(label.name) ? label.name.text : undefined);
              if (flag & ts.ElementFlags.Required) l.min = l.types.length;
            });
            lists.push(l);
          } else if (checker.isArrayType(m)) {
            lists.push({ types: [...types], names: [...names], min, rest: checker.getTypeArguments(m as ts.TypeReference)[0]! });
          } else {
            lists.push({ types: [...types], names: [...names], min, rest: checker.getAnyType() });
          }
        }
        return lists;
      }
      types.push(t);
      names.push(p.name);
      if (!(decl !== undefined && ts.isParameter(decl) && checker.isOptionalParameter(decl))) min = i + 1;
    }
    return [{ types, names, min, rest: null }];
  }

  /** Whether a value of type `r` (less undefined: an omitted option) may be passed where `target` is declared. */
  function assignable(r: ts.Type, target: ts.Type): boolean {
    if (isNever(target)) return false;
    let t = target;
    if (t.flags & ts.TypeFlags.TypeParameter) {
      const c = checker.getBaseConstraintOfType(t);
      if (c === undefined || isAnyLike(c)) return true;
      t = c;
    }
    if (isAnyLike(t)) return true;
    const members = (r.isUnion() ? r.types : [r]).filter((m) => !(m.flags & ts.TypeFlags.Undefined));
    return members.length > 0 && members.every((m) => checker.isTypeAssignableTo(m, t));
  }

  const accepts = (l: ArgList, args: ts.Type[]): boolean => {
    if (args.length < l.min || (args.length > l.types.length && l.rest === null)) return false;
    return args.every((a, i) => assignable(a, i < l.types.length ? l.types[i]! : l.rest!));
  };

  /** An options-object member named `name`: a property declared in an interface or type literal (not a method, not a class field). */
  function optionSymbol(t: ts.Type, name: string): ts.Symbol | undefined {
    const nn = checker.getNonNullableType(t);
    for (const m of nn.isUnion() ? nn.types : [nn]) {
      if (!(m.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) || m.getCallSignatures().length || m.getConstructSignatures().length) continue;
      const prop = m.getProperty(name);
      const decls = prop?.getDeclarations() ?? [];
      if (prop !== undefined && decls.length && decls.every((d) => ts.isPropertySignature(d) || ts.isPropertyAssignment(d) || ts.isShorthandPropertyAssignment(d))) {
        return prop;
      }
    }
    return undefined;
  }
  function optionProperty(t: ts.Type, name: string): ts.Type | undefined {
    const prop = optionSymbol(t, name);
    return prop === undefined ? undefined : checker.getTypeOfSymbol(prop);
  }
  /**
   * Whether every declared argument list requires `name`: as a required parameter of that name, or as a property
   * neither optional nor undefined-able of a required options object (torchvision's `root`, which an
   * options-convention spec cannot mark).
   */
  function declaredRequired(lists: ArgList[], name: string, asOption = false): boolean {
    return lists.every((l) => {
      const j = l.names.indexOf(name);
      if (j >= 0) return !asOption && j < l.min;
      const last = l.types.length - 1;
      const prop = last < 0 ? undefined : optionSymbol(l.types[last]!, name);
      if (prop === undefined || last >= l.min) return false;
      const t = checker.getTypeOfSymbol(prop);
      return !(prop.flags & ts.SymbolFlags.Optional) && !(t.isUnion() ? t.types : [t]).some((m) => m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Any | ts.TypeFlags.Unknown));
    });
  }

  /** The declared type of PyTorch parameter `name` at position `i` (see the header). */
  function referenceType(lists: ArgList[], name: string, i: number, head: boolean): ts.Type | undefined {
    // overloads may narrow an option (`{ returnIndices: true }` -> a tuple): the widest declaration is the parameter's type
    const found: ts.Type[] = [];
    for (const l of lists) {
      const last = l.types[l.types.length - 1];
      const t = last === undefined ? undefined : optionProperty(last, name);
      if (t !== undefined && !found.includes(t)) found.push(t);
    }
    if (found.length) {
      const covers = (t: ts.Type): number => found.filter((o) => assignable(o, t)).length;
      return found.reduce((best, t) => (covers(t) > covers(best) ? t : best));
    }
    for (const l of lists) {
      const j = l.names.indexOf(name);
      if (j >= 0) return l.types[j];
    }
    if (head) {
      for (const l of lists) if (i < l.types.length && optionProperty(l.types[i]!, name) === undefined) return l.types[i];
    }
    return undefined;
  }

  const findings: Finding[] = [];
  const keywordOnlyRequired: string[] = [];
  let checked = 0;
  callables.forEach((c, idx) => {
    const { sig } = c;
    const short = c.name.replace(/^.*\./, '');
    const decl = source.statements[idx + header.length] as ts.VariableStatement;
    const init = decl.declarationList.declarations[0]!.initializer!;
    checked++;
    const miss = missingAt.get(idx);
    if (miss !== undefined) {
      findings.push({ name: c.name, spec: sig.spec, rejected: [], untyped: [], missing: miss });
      return;
    }
    const type = checker.getTypeAtLocation(init);
    const sigs = c.isClass ? type.getConstructSignatures() : type.getCallSignatures();
    if (sigs.length === 0) {
      findings.push({ name: c.name, spec: sig.spec, rejected: [], untyped: [], missing: `no ${c.isClass ? 'construct' : 'call'} signature` });
      return;
    }
    const lists = sigs.flatMap(argLists);
    const P = sig.positional;
    const vi = sig.variadic === null ? -1 : P.indexOf(sig.variadic);
    const fixed = vi >= 0 ? P.slice(0, vi) : P;
    const refs: (ts.Type | undefined)[] = fixed.map((p, i) => referenceType(lists, p, i, i < sig.head || i < sig.required));
    const untyped = fixed.filter((_, i) => refs[i] === undefined);
    const rejected: string[] = [];
    // every prefix from the required parameters to all of them (a variadic parameter: the ones before it, then one
    // value of it). Required: by the spec, or by the declared options type (torchvision's `root`, which an
    // options-convention spec cannot mark). A keyword-only parameter the declarations require leaves no positional form.
    if (sig.keywordOnly.some((p) => declaredRequired(lists, p, true))) { keywordOnlyRequired.push(c.name); return; }
    let shortest = Math.min(sig.required, fixed.length);
    fixed.forEach((p, i) => { if (declaredRequired(lists, p)) shortest = Math.max(shortest, i + 1); });
    if (vi >= 0) shortest = vi + 1;
    const longest = vi >= 0 ? vi + 1 : fixed.length;
    for (let k = shortest; k <= longest; k++) {
      if (k > fixed.length) {
        // one variadic value: some argument list has a place for it after the parameters before it
        const before = refs.slice(0, vi);
        if (before.some((r) => r === undefined)) continue;
        // (how many values a variadic parameter needs is the callable's own rule: randint(high, size) needs two)
        const ok = lists.some((l) => {
          const slot = vi < l.types.length ? l.types[vi] : l.rest;
          return slot != null && !isNever(slot)
            && (before as ts.Type[]).every((r, i) => assignable(r, i < l.types.length ? l.types[i]! : l.rest ?? checker.getNeverType()));
        });
        if (!ok) rejected.push(`${short}(${[...fixed, `...${sig.variadic}`].join(', ')})`);
        continue;
      }
      const args = refs.slice(0, k);
      if (args.some((a) => a === undefined)) continue;
      if (!lists.some((l) => accepts(l, args as ts.Type[]))) rejected.push(`${short}(${fixed.slice(0, k).join(', ')})`);
    }
    if (rejected.length || untyped.length) findings.push({ name: c.name, spec: sig.spec, rejected, untyped });
  });
  return { checked, findings, keywordOnlyRequired, extraDiagnostics };
}
