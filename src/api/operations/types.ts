import type { TObject, Static } from '@sinclair/typebox';
import type { Services } from '../../app/services.js';
import type { Caller } from '../../accounts/sessions.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OperationContext {
  services: Services;
  /** Present for operations with `auth: true`. */
  caller: Caller;
  /** Client address as seen by the HTTP layer (for future rate limits); never stored raw. */
  ip: string;
  /** Origin the caller used to reach us (`http://host:port`), when the transport knows it. */
  origin?: string;
}

/**
 * One API operation, reachable over HTTP (`method path`) and as a `call` frame on the update
 * channel (`name`). Params merge path, query and body and are validated against one schema.
 */
export interface Operation<S extends TObject = TObject> {
  name: string;
  method: HttpMethod;
  /** Path under /api/v1, fastify syntax (`/chats/:chatId`). */
  path: string;
  auth: boolean;
  summary: string;
  params: S;
  /** HTTP status for success (default 200). */
  status?: number;
  handler(ctx: OperationContext, params: Static<S>): Promise<unknown>;
}

/** Keeps the params type of each operation while building a heterogeneous table. */
export function op<S extends TObject>(o: Operation<S>): Operation {
  return o as unknown as Operation;
}
