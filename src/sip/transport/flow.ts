/**
 * A flow (RFC 5626 §3): where a message came from and how to answer on the same path — the UDP
 * socket and the source address:port, or the TCP/TLS connection. Phones behind NAT are reached
 * only through the flow they opened.
 */
export interface Flow {
  readonly id: string;
  /** WSS: SIP over secure WebSocket (RFC 7118), one message per frame. */
  readonly transport: 'UDP' | 'TCP' | 'TLS' | 'WSS';
  readonly address: string;
  readonly port: number;
  /** Our local port on this flow (for Via/Record-Route of the same transport). */
  readonly localPort: number;
  send(bytes: Buffer): void;
  /** False once a stream connection closed; UDP flows are always "open". */
  isOpen(): boolean;
}

/** What a transport hands to the SIP core. */
export interface SipReceiver {
  /** Cheap check before any parsing: drop datagrams and connections from banned addresses. */
  isBanned(address: string): boolean;
  receive(bytes: Buffer, flow: Flow): void;
}
