import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src/main.js';
import type { Clock } from '../../src/kernel/clock.js';
import { ParleyClient, type Session, type WebSocketFactory } from '../../src/client/index.js';
import type { Update } from '../../src/protocol/updates.js';
import { freshStore, testConfig, type Backend, type TestStore } from './backends.js';

export const NodeWebSocket = WebSocket as unknown as WebSocketFactory;

export interface TestServer {
  server: RunningServer;
  store: TestStore;
  url: string;
  client(token?: string): ParleyClient;
  /** Registers `username` with a strong password; returns a logged-in client. */
  user(username: string, opts?: { deviceName?: string }): Promise<{ client: ParleyClient; session: Session; password: string }>;
  close(): Promise<void>;
}

export const PASSWORD = 'Tr0ub4dor&3-horse-staple';

/** Starts Parley in-process on a fresh store of `backend`. */
export async function startTestServer(backend: Backend, overrides: Record<string, unknown> = {}, opts: { clock?: Clock } = {}): Promise<TestServer> {
  const store = freshStore(backend);
  const server = await startServer(testConfig(store, overrides), opts.clock ? { clock: opts.clock } : {});
  const client = (token?: string) => new ParleyClient({ baseUrl: server.url, WebSocket: NodeWebSocket, ...(token ? { token } : {}) });
  return {
    server,
    store,
    url: server.url,
    client,
    async user(username, opts = {}) {
      const c = client();
      const session = await c.register({ username, password: PASSWORD, deviceName: opts.deviceName ?? `${username}-1` });
      return { client: c, session, password: PASSWORD };
    },
    async close() {
      await server.close();
      await store.drop();
    },
  };
}

/** Collects a device's updates; `waitFor` resolves when a predicate over them holds. */
export class Collector {
  readonly updates: Update[] = [];
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  readonly onUpdate = (u: Update): void => {
    this.updates.push(u);
    this.check();
  };

  check(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  waitFor(test: (updates: Update[]) => boolean, timeoutMs = 20000, what = 'updates'): Promise<void> {
    if (test(this.updates)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; have ${this.updates.length}`)), timeoutMs);
      this.waiters.push({ test: () => test(this.updates), resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  messages(): string[] {
    return this.updates.filter((u) => u.type === 'message.new').map((u) => (u.type === 'message.new' ? u.data.message.text : ''));
  }
}

/** Polls `test` until true (for state that is not pushed). */
export async function eventually(test: () => boolean | Promise<boolean>, timeoutMs = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
