// Checking where output will go before anything is created: a folder to create (a run folder) or a file to
// write (a report, a picture). Node's recursive mkdir never returns under /proc (it keeps retrying the ENOENT
// that procfs answers), and a path that names a file where a folder is wanted fails late and obscurely; so the
// nearest existing ancestor is inspected first: it must be a writable folder on an ordinary file system.
import { accessSync, constants, statSync, statfsSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

// Pseudo file systems nobody writes run folders to (statfs f_type): procfs, sysfs, cgroup, cgroup2, debugfs,
// securityfs, tracefs, configfs, devpts.
const PSEUDO_FS = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0x74726163, 0x62656570, 0x1cd1]);

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** The nearest existing ancestor of `p` (itself if it exists). */
function existingAncestor(p: string): string {
  let cur = resolve(p);
  while (statOrNull(cur) === null) {
    const up = dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

function folderProblem(dir: string, what: string): string | null {
  const st = statOrNull(dir);
  if (st === null) return `${what} '${dir}' does not exist`;
  if (!st.isDirectory()) return `${what} '${dir}' is not a folder`;
  try {
    if (PSEUDO_FS.has(Number(statfsSync(dir).type))) return `${what} '${dir}' is on a system pseudo file system (such as /proc or /sys)`;
  } catch { /* statfs is not available everywhere: the write itself will tell */ }
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    return `${what} '${dir}' is not writable`;
  }
  return null;
}

/** Why `p` cannot be (or become) a folder to write into, or null when it can. Creates nothing. */
export function outputDirProblem(p: string): string | null {
  if (p === '') return 'the folder name is empty';
  const st = statOrNull(p);
  if (st !== null) return st.isDirectory() ? folderProblem(p, 'the folder') : `'${p}' exists and is not a folder`;
  const anc = existingAncestor(p);
  const ast = statOrNull(anc);
  if (ast !== null && !ast.isDirectory()) return `cannot create '${p}': '${anc}' is a file, not a folder`;
  const why = folderProblem(anc, 'its parent');
  return why === null ? null : `cannot create '${p}': ${why}`;
}

/** Why a file cannot be written at `p` (its folder must exist), or null when it can. */
export function outputFileProblem(p: string): string | null {
  if (p === '') return 'the file name is empty';
  const st = statOrNull(p);
  if (st !== null && st.isDirectory()) return `'${p}' is a folder, not a file`;
  const dir = dirname(resolve(p));
  const why = folderProblem(dir, 'the folder');
  return why === null ? null : `cannot write '${p}': ${why}`;
}
