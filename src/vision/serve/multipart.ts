// multipart/form-data (RFC 7578) over a body already read into memory (the server bounds its size first): the
// parts between `--boundary` delimiters, each with its headers. Everything malformed is an error naming what:
// a missing or overlong boundary, a part without headers, a body without its closing delimiter.
import { ServeError } from './errors.js';
import { bindOwn, registerSignature } from '../../args.js';

// PyTorch's argument binding (src/args.ts) for this module's functions: an extra positional argument or an
// unknown keyword is a TypeError naming it.
registerSignature(parseMultipart, 'parseMultipart', 'tstorch.vision.serve.parseMultipart', 'body, contentType');

export interface Part {
  /** The form field's name (Content-Disposition's `name`). */
  name: string;
  /** The uploaded file's name, when the part is a file. */
  filename: string | null;
  /** The part's Content-Type, lower-cased, without parameters ('' when absent). */
  contentType: string;
  data: Uint8Array;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const MAX_PARTS = 1000;

function bad(message: string): ServeError {
  return new ServeError('multipart', `malformed multipart/form-data body: ${message}`);
}

/** A header's parameters: `form-data; name="a"; filename="b.jpg"` -> {name: 'a', filename: 'b.jpg'}. */
export function headerParams(value: string): { value: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const semi = value.indexOf(';');
  const main = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const re = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g;
  for (let m; (m = re.exec(value)) !== null;) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return { value: main, params };
}

/** The boundary of a multipart Content-Type header. */
export function boundaryOf(contentType: string): string {
  const { params } = headerParams(contentType);
  const b = params.boundary;
  if (b === undefined || b === '') throw bad('the Content-Type has no boundary parameter');
  if (b.length > 70) throw bad(`the boundary is ${b.length} characters long (at most 70)`);
  return b;
}

function parseHeaders(block: string, index: number): { name: string; filename: string | null; contentType: string } {
  let disposition: string | null = null;
  let contentType = '';
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`part ${index} has a header line without a colon: '${line.slice(0, 60)}'`);
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') disposition = value;
    else if (key === 'content-type') contentType = headerParams(value).value;
  }
  if (disposition === null) throw bad(`part ${index} has no Content-Disposition header`);
  const d = headerParams(disposition);
  if (d.value !== 'form-data') throw bad(`part ${index}'s Content-Disposition is '${d.value}', expected form-data`);
  if (d.params.name === undefined) throw bad(`part ${index}'s Content-Disposition has no name`);
  return { name: d.params.name, filename: d.params['filename*'] ?? d.params.filename ?? null, contentType };
}

/** The parts of a multipart/form-data body; their data are views into `body`. */
export function parseMultipart(body: Uint8Array, contentType: string): Part[] {
  [body, contentType] = bindOwn(parseMultipart, arguments) as Parameters<typeof parseMultipart>;
  const boundary = boundaryOf(contentType);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // The first delimiter may follow a preamble; it starts the body or a line.
  let at = buf.subarray(0, dash.length).equals(dash) ? 0 : buf.indexOf(delimiter);
  if (at < 0) throw bad(`no '--${boundary}' delimiter in the body`);
  if (at > 0) at += 2;
  const parts: Part[] = [];
  for (;;) {
    let p = at + dash.length;
    if (buf[p] === 0x2d && buf[p + 1] === 0x2d) break; // '--': the closing delimiter
    while (buf[p] === 0x20 || buf[p] === 0x09) p++; // transport padding
    if (!buf.subarray(p, p + 2).equals(CRLF)) throw bad(`a delimiter is not followed by a line break (at byte ${p})`);
    p += 2;
    const index = parts.length + 1;
    const headerEnd = buf.indexOf(HEADER_END, p);
    const next = buf.indexOf(delimiter, p);
    if (next < 0) throw bad(`part ${index} has no closing delimiter (the body may be truncated)`);
    if (headerEnd < 0 || headerEnd > next) throw bad(`part ${index} has no blank line after its headers`);
    const h = parseHeaders(buf.toString('utf8', p, headerEnd), index);
    parts.push({ ...h, data: body.subarray(headerEnd + 4, next) });
    if (parts.length > MAX_PARTS) throw bad(`more than ${MAX_PARTS} parts`);
    at = next + 2;
  }
  return parts;
}
