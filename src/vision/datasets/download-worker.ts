// The child process behind downloadSync: runs one download job, reporting failure on stdout (stderr carries
// the progress bar).
import { runJob, type DownloadJob } from './download.js';

const job = JSON.parse(process.argv[process.argv.length - 1]!) as DownloadJob;
try {
  await runJob(job);
} catch (e) {
  process.stdout.write((e as Error).message);
  process.exit(1);
}
