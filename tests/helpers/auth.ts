import assert from 'node:assert/strict';
import type { Clock } from '../../src/kernel/clock.js';
import { ApiError, type UpdateStream, type StreamState } from '../../src/client/index.js';
import type { Backend } from './backends.js';
import { startTestServer, type TestServer } from './server.js';

/** Real time plus an offset a test can move forward: expiry without sleeping, timers still run. */
export class OffsetClock implements Clock {
  private offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

/** Like startTestServer, with an injected clock. */
export function startClockedTestServer(backend: Backend, clock: Clock, overrides: Record<string, unknown> = {}): Promise<TestServer> {
  return startTestServer(backend, overrides, { clock });
}

/** Asserts that `p` rejects with an ApiError of `code` (and `status`, when given; 0 = update channel). */
export async function rejectsWith(p: Promise<unknown>, code: string, status?: number, what = code): Promise<ApiError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ApiError, `${what}: expected ApiError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, `${what}: error code`);
  if (status !== undefined) assert.equal(caught.status, status, `${what}: HTTP status`);
  return caught;
}

/** Records an update stream's state changes; `closed()` resolves with the close detail. */
export class StateLog {
  readonly states: Array<{ state: StreamState; code?: number; reason?: string }> = [];
  private waiters: Array<(d: { code?: number; reason?: string }) => void> = [];

  readonly onState = (state: StreamState, detail?: { code?: number; reason?: string }): void => {
    this.states.push({ state, ...(detail ?? {}) });
    if (state === 'closed') for (const w of this.waiters.splice(0)) w(detail ?? {});
  };

  closed(stream: UpdateStream, timeoutMs = 10000): Promise<{ code?: number; reason?: string }> {
    const done = this.states.find((s) => s.state === 'closed');
    if (done || stream.state === 'closed') return Promise.resolve(done ?? {});
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stream not closed within ${timeoutMs} ms; states ${JSON.stringify(this.states)}`)), timeoutMs);
      this.waiters.push((d) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
  }
}

/** A raw HTTP request with any Authorization header (the SDK only sends well-formed ones). */
export async function rawRequest(baseUrl: string, method: string, path: string, opts: { authorization?: string; body?: unknown } = {}): Promise<{ status: number; json: { error?: { code: string } } & Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`${baseUrl.replace(/\/$/, '')}/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as { error?: { code: string } }) : {} };
}

/** Closes every stream a suite opened, even when a test failed half-way (a live stream reconnects forever). */
export class StreamTracker {
  private readonly streams: UpdateStream[] = [];
  add(stream: UpdateStream): UpdateStream {
    this.streams.push(stream);
    return stream;
  }
  closeAll(): void {
    for (const s of this.streams.splice(0)) s.close();
  }
}
