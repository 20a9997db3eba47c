/** The pure SIP parser (RFC 3261 grammar): bytes in, typed values or typed errors out. */
export * from './types.js';
export { parseMessage, frameStream, type StreamFrame } from './message.js';
export { parseStartLine } from './start-line.js';
export { canonicalHeaderName, LIST_HEADERS } from './header-names.js';
export { headerValue, headerValues, splitList, parseParams, unquote, quote } from './header-values.js';
export { parseUri, formatUri, parseHostPort, type SipUri } from './uri.js';
export { parseNameAddr, formatNameAddr, type NameAddr } from './name-addr.js';
export { parseVia, formatVia, type Via } from './via.js';
export { parseCSeq, type CSeq } from './cseq.js';
export { parseDigest, type DigestParams } from './digest.js';
export { serializeMessage, copyHeaders } from './serialize.js';
