import type { Bus, BusHandler } from './bus.js';

/** The embedded default: one process, handlers called synchronously in subscription order. */
export class MemoryBus implements Bus {
  private readonly topics = new Map<string, Set<BusHandler>>();

  publish(topic: string, message: unknown): void {
    const handlers = this.topics.get(topic);
    if (!handlers) return;
    for (const handler of [...handlers]) handler(message);
  }

  subscribe(topic: string, handler: BusHandler): () => void {
    let handlers = this.topics.get(topic);
    if (!handlers) this.topics.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0) this.topics.delete(topic);
    };
  }

  /** Number of topics with subscribers (metrics, leak tests). */
  get topicCount(): number {
    return this.topics.size;
  }

  async close(): Promise<void> {
    this.topics.clear();
  }
}
