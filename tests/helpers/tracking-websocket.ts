import WebSocket from 'ws';
import type { WebSocketFactory } from '../../src/client/index.js';

/**
 * A `ws` WebSocket factory that remembers the sockets it opened, so a test can cut the newest one
 * abruptly (`terminate()`: no close frame, as a lost network would) instead of closing it politely.
 */
export function trackingWebSocket(): { factory: WebSocketFactory; sockets: WebSocket[]; terminateLatest(): boolean } {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(url: string) {
      super(url);
      sockets.push(this);
    }
  }
  return {
    factory: Tracked as unknown as WebSocketFactory,
    sockets,
    terminateLatest() {
      const ws = sockets.at(-1);
      if (!ws || ws.readyState !== WebSocket.OPEN) return false;
      ws.terminate();
      return true;
    },
  };
}
