/** The client worker processes and the small statistics the driver needs. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from './protocol.js';

type Pending = { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout };

/** One forked worker.js with request/response over IPC, every request bounded in time. */
class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  readonly exited: Promise<void>;

  constructor(readonly index: number, private readonly child: ChildProcess) {
    child.on('message', (m: Response) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`worker ${index}: ${m.error}`));
    });
    this.exited = new Promise((r) => child.once('exit', () => r()));
    child.once('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`worker ${index} exited (${code})`));
      this.pending.clear();
    });
  }

  ask<T>(req: Request, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`worker ${this.index}: ${req.cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.child.send({ ...req, id });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.ask({ cmd: 'close' }, 5000).catch(() => undefined);
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(killer);
  }
}

export class Fleet {
  private constructor(readonly workers: Worker[]) {}

  static start(count: number, serverUrl: string): Fleet {
    const script = fileURLToPath(new URL('./worker.js', import.meta.url));
    const workers = Array.from({ length: count }, (_, i) => new Worker(i, fork(script, [], {
      env: { ...process.env, BENCH_SERVER_URL: serverUrl },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })));
    return new Fleet(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends each worker its own request (null: skip) and collects the answers. */
  async each<T>(make: (i: number) => Request | null, timeoutMs: number): Promise<T[]> {
    const answers = await Promise.all(this.workers.map((w, i) => {
      const req = make(i);
      return req ? w.ask<T>(req, timeoutMs) : Promise.resolve(null);
    }));
    return answers.filter((a): a is Awaited<T> => a !== null) as T[];
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}

/** Splits `items` round-robin into `n` lists by `pick` (default: index). */
export function deal<T>(items: T[], n: number, pick: (item: T, i: number) => number = (_, i) => i): T[][] {
  const out = Array.from({ length: n }, () => [] as T[]);
  items.forEach((item, i) => out[pick(item, i) % n]!.push(item));
  return out;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
