// The child process behind cachedCheckpointSync: downloads one checkpoint, reporting failure on stdout (stderr carries the progress bar).
import { basename } from 'node:path';
import { downloadUrlToFile, hashPrefix } from './weights-hub.js';

const job = JSON.parse(process.argv[process.argv.length - 1]!) as { url: string; dest: string; progress: boolean; checkHash: boolean };
try {
  await downloadUrlToFile(job.url, job.dest, { progress: job.progress, hashPrefix: job.checkHash ? hashPrefix(basename(job.dest)) : null });
} catch (e) {
  process.stdout.write((e as Error).message);
  process.exit(1);
}
