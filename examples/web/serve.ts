// A static server for the web page: the page (this folder), the exported model (--model-dir, default ./model)
// and onnxruntime-web's files (/ort/, from node_modules). Binds 127.0.0.1.
//
//   npx tsx examples/web/serve.ts [--port 8080] [--model-dir examples/web/model]
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.json': 'application/json',
  '.wasm': 'application/wasm', '.onnx': 'application/octet-stream', '.css': 'text/css', '.map': 'application/json',
};

/** Serves the page on 127.0.0.1:port (0: any free port); resolves when listening. */
export async function startServer(opts: { port?: number; modelDir?: string } = {}): Promise<{ server: Server; url: string }> {
  const ortDir = join(dirname(createRequire(import.meta.url).resolve('onnxruntime-web')), '..');
  const ortDist = ortDir.endsWith(`${sep}dist`) ? ortDir : join(ortDir, 'dist');
  const roots: [string, string][] = [['/ort/', ortDist], ['/model/', opts.modelDir ?? join(here, 'model')], ['/', here]];
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const [prefix, root] = roots.find(([p]) => path.startsWith(p))!;
      const rel = path.slice(prefix.length) || 'index.html';
      const file = normalize(join(root, rel));
      if (!file.startsWith(root)) {
        res.writeHead(403).end();
        return;
      }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 8080, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${addr.port}/` };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, 'model-dir': { type: 'string' } } });
  const { url } = await startServer({ port: Number(values.port), modelDir: values['model-dir'] });
  console.log(`serving the page on ${url} (Ctrl-C stops)`);
}
