/**
 * Error-code registry (ARCHITECTURE.md convention 4 and 5).
 *
 * Every module declares its stable string codes once, each mapped to an HTTP status and a
 * WebSocket close code. `AppError` carries the code plus structured data (retryAfterMs, a ban's
 * expiry, the offending field). Clients see `{ error: { code, message, data } }` and never a stack.
 */

export interface ErrorSpec {
  /** HTTP status used by the HTTP API. */
  readonly http: number;
  /** WebSocket close code (RFC 6455 §7.4.2: 4000–4999 are ours) when the error ends a connection. */
  readonly ws: number;
  /** Human text shown to clients; stable enough for docs, never parsed by code. */
  readonly message: string;
}

const registry = new Map<string, ErrorSpec>();

/** Registers a module's codes; a duplicate code is a programming error caught at import time. */
export function defineErrors<const T extends Record<string, ErrorSpec>>(specs: T): { [K in keyof T]: K } {
  const codes = {} as { [K in keyof T]: K };
  for (const [code, spec] of Object.entries(specs)) {
    if (registry.has(code)) throw new Error(`error code defined twice: ${code}`);
    registry.set(code, spec);
    (codes as Record<string, string>)[code] = code;
  }
  return codes;
}

/** Looks up a code's spec; unknown codes map to `internal`. */
export function errorSpec(code: string): ErrorSpec {
  return registry.get(code) ?? INTERNAL_SPEC;
}

/** All registered codes, for docs and tests. */
export function allErrorCodes(): ReadonlyMap<string, ErrorSpec> {
  return registry;
}

const INTERNAL_SPEC: ErrorSpec = { http: 500, ws: 1011, message: 'Internal error' };

export const KernelErrors = defineErrors({
  internal: INTERNAL_SPEC,
  bad_request: { http: 400, ws: 4400, message: 'The request is malformed' },
  invalid_json: { http: 400, ws: 4400, message: 'The body is not valid JSON' },
  validation_failed: { http: 400, ws: 4400, message: 'The request does not match the schema' },
  payload_too_large: { http: 413, ws: 1009, message: 'The request is too large' },
  not_found: { http: 404, ws: 4404, message: 'No such resource' },
  unknown_operation: { http: 404, ws: 4404, message: 'Unknown operation' },
  method_not_allowed: { http: 405, ws: 4405, message: 'Method not allowed' },
  unsupported_media_type: { http: 415, ws: 4415, message: 'Send application/json' },
  rate_limited: { http: 429, ws: 4429, message: 'Too many requests' },
  unavailable: { http: 503, ws: 1013, message: 'Temporarily unavailable' },
});

/** A failure with a stable code; `data` is safe to show the client, `cause` is only logged. */
export class AppError extends Error {
  readonly code: string;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, data?: Record<string, unknown>, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? errorSpec(code).message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.data = data;
  }

  get spec(): ErrorSpec {
    return errorSpec(this.code);
  }
}

/** Shape every client sees for an error. */
export interface ErrorBody {
  error: { code: string; message: string; data?: Record<string, unknown> };
}

/** Turns any thrown value into what a client may see; unknown errors become `internal`. */
export function toErrorBody(err: unknown): { status: number; wsClose: number; body: ErrorBody; known: boolean } {
  if (err instanceof AppError) {
    const spec = err.spec;
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.data) body.error.data = { ...err.data };
    return { status: spec.http, wsClose: spec.ws, body, known: true };
  }
  return {
    status: INTERNAL_SPEC.http,
    wsClose: INTERNAL_SPEC.ws,
    body: { error: { code: 'internal', message: INTERNAL_SPEC.message } },
    known: false,
  };
}
