// A classifier inside your own node:http app: `vision.serve` loads the model (a fine-tuning run's best.pth, or a
// zoo architecture with its weights) and its handler answers under /ml with TorchServe's API, batching the
// requests that arrive together, while the app keeps its own routes. With --images, the example is also its own
// client: it sends every image, prints each answer, and stops the server (gracefully) when done.
//
//   npx tsx examples/serve-in-app.ts --model ants=runs/ants/best.pth [--port 8080] [--images FOLDER_OR_FILES...]
//   curl -T photo.jpg http://127.0.0.1:8080/ml/predictions/ants
import { parseArgs } from 'node:util';
import { createServer } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as vision from 'tstorch/vision';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string', default: 'resnet18' },
    port: { type: 'string', default: '8080' },
    images: { type: 'boolean', default: false },
    threads: { type: 'string', default: '0' },
  },
});

// 1. The model server: its threads, and the model loaded in its own thread.
const server = await vision.serve.createServer({
  models: [args.model!],
  threads: Number(args.threads),
  onProgress: (line) => console.error(line),
});
const served = server.status().filter((s) => s.status === 'READY');
if (served.length === 0) {
  await server.close();
  process.exit(1);
}
const name = served[0]!.name;

// 2. The app: its own routes, and the model server's under /ml (as Express's app.use('/ml', server.handler)).
const app = createServer((req, res) => {
  if (req.url === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`POST an image to /ml/predictions/${name}\n`);
  } else if (req.url!.startsWith('/ml/')) {
    req.url = req.url!.slice(3);
    server.handler(req, res, () => res.writeHead(404).end('not found\n'));
  } else {
    res.writeHead(404).end('not found\n');
  }
});
await new Promise<void>((resolve) => app.listen(Number(args.port), '127.0.0.1', resolve));
const port = (app.address() as { port: number }).port;
console.log(`listening on http://127.0.0.1:${port}/ml/predictions/${name}`);

// 3. Stop gracefully: the app stops accepting, the model server answers what it took.
const stop = async (): Promise<void> => {
  app.close();
  await server.close();
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

// 4. With --images: send each image (all at once, so that they share forward passes) and print the answers.
if (args.images) {
  const files: string[] = [];
  const visit = (p: string): void => {
    if (statSync(p).isDirectory()) for (const f of readdirSync(p).sort()) visit(join(p, f));
    else if (vision.datasets.isImageFile(p)) files.push(p);
  };
  for (const p of positionals) visit(p);
  const answers = await Promise.all(files.map(async (f) => {
    const r = await fetch(`http://127.0.0.1:${port}/ml/predictions/${name}?topk=3`, { method: 'POST', body: readFileSync(f) });
    return { f, status: r.status, body: await r.json() as Record<string, number> };
  }));
  for (const { f, status, body } of answers) {
    const text = status === 200 ? Object.entries(body).map(([label, p]) => `${label} ${(100 * p).toFixed(1)} %`).join(', ') : JSON.stringify(body);
    console.log(`${f}: ${text}`);
  }
  const metrics = server.metricsText().split('\n').filter((l) => l.startsWith('tstorch_serve_batch_size_count') || l.startsWith('tstorch_serve_images_total'));
  console.log(metrics.join('\n'));
  await stop();
}
