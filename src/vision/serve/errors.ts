import { bindOwn, classArgs } from '../../args.js';
// The errors a model server answers with. Each carries its HTTP status and a kind (the `type` of the JSON body,
// the `kind` label of the error metric), so that a client can tell a truncated upload from a full queue without
// parsing the message, and the message names what was wrong (the field, the size, the content type).

/** The kinds of failure, each with its HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  empty_body: 400,
  content_type: 400,
  multipart: 400,
  not_an_image: 400,
  truncated_image: 400,
  corrupt_image: 400,
  image_too_large: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  internal: 500,
  model_unavailable: 503,
  queue_full: 503,
  shutting_down: 503,
  timeout: 504,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;

export class ServeError extends Error {
  override name = 'ServeError';
  readonly status: number;
  readonly kind: ErrorKind;
  readonly headers: Record<string, string>;
  constructor(kind: ErrorKind, message: string, headers: Record<string, string> = {}) {
    [kind, message, headers = {}] = bindOwn(ServeError, arguments) as ConstructorParameters<typeof ServeError>;
    super(message);
    this.kind = kind;
    this.headers = headers;
    this.status = ERROR_STATUS[kind];
  }

  /** The response body, in TorchServe's shape ({code, type, message}). */
  toJSON(): { code: number; type: ErrorKind; message: string } {
    return { code: this.status, type: this.kind, message: this.message };
  }
}
classArgs(ServeError, 'tstorch.vision.serve.ServeError', 'kind, message, headers?:dict');

export function isErrorKind(k: unknown): k is ErrorKind {
  return typeof k === 'string' && Object.hasOwn(ERROR_STATUS, k);
}
