/**
 * Call verification (issue 4, docs/call-engine.md §Verification): both parties show the same short
 * code — 4 emoji — derived from both DTLS certificate fingerprints of the call (RFC 8122
 * `a=fingerprint`, the hash DTLS-SRTP checks the peer's certificate against, RFC 5763 §5). Anyone who
 * terminates DTLS in the middle (the server included) must put its own fingerprint into at least one
 * SDP, which changes the code on that side.
 *
 * A 24-bit code alone could be ground: a man in the middle who sees the caller's fingerprint before
 * choosing its own could try certificates until the two codes collide. The hash commitment prevents
 * that, as in ZRTP (RFC 6189 §4.4.1.1, the hash commitment in Commit): the caller sends
 * SHA-256(its fingerprints ‖ a secret nonce) with its offer and reveals the nonce only after it has
 * received the answer. When the answer is fixed, the code is fixed too, and nobody in the middle can
 * choose fingerprints to make the two codes match: each attempt succeeds with probability 2^-24 and
 * costs a live call (online only). The callee checks the revealed nonce against the commitment with
 * the caller fingerprints it saw: a mismatch means the offer was rewritten on the way.
 *
 * Pure, WebCrypto only (globalThis.crypto.subtle): runs in Node 20 and in browsers.
 */

const COMMIT_CONTEXT = 'parley-call-commit-v1';
const SAS_CONTEXT = 'parley-call-sas-v1';

/**
 * 64 distinct emoji that are easy to tell apart and to name aloud (animals, food, objects), with the
 * English names the UI may show under them. Index = 6 bits of the code.
 */
export const EMOJI_TABLE: ReadonlyArray<readonly [emoji: string, name: string]> = [
  ['🐶', 'dog'], ['🐱', 'cat'], ['🦁', 'lion'], ['🐴', 'horse'], ['🦄', 'unicorn'], ['🐷', 'pig'], ['🐘', 'elephant'], ['🐰', 'rabbit'],
  ['🐼', 'panda'], ['🐓', 'rooster'], ['🐧', 'penguin'], ['🐢', 'turtle'], ['🐟', 'fish'], ['🐙', 'octopus'], ['🦋', 'butterfly'], ['🌷', 'tulip'],
  ['🌳', 'tree'], ['🌵', 'cactus'], ['🍄', 'mushroom'], ['🌏', 'globe'], ['🌙', 'moon'], ['☁️', 'cloud'], ['🔥', 'fire'], ['🍌', 'banana'],
  ['🍎', 'apple'], ['🍓', 'strawberry'], ['🌽', 'corn'], ['🍕', 'pizza'], ['🎂', 'cake'], ['❤️', 'heart'], ['😀', 'smiley'], ['🤖', 'robot'],
  ['🎩', 'hat'], ['👓', 'glasses'], ['🔧', 'wrench'], ['🎅', 'santa'], ['👍', 'thumbs up'], ['☂️', 'umbrella'], ['⌛', 'hourglass'], ['⏰', 'clock'],
  ['🎁', 'gift'], ['💡', 'light bulb'], ['📕', 'book'], ['✏️', 'pencil'], ['📎', 'paperclip'], ['✂️', 'scissors'], ['🔒', 'lock'], ['🔑', 'key'],
  ['🔨', 'hammer'], ['☎️', 'telephone'], ['🏁', 'flag'], ['🚂', 'train'], ['🚲', 'bicycle'], ['✈️', 'aeroplane'], ['🚀', 'rocket'], ['🏆', 'trophy'],
  ['⚽', 'ball'], ['🎸', 'guitar'], ['🎺', 'trumpet'], ['🔔', 'bell'], ['⚓', 'anchor'], ['🎧', 'headphones'], ['📁', 'folder'], ['📌', 'pin'],
];

/** The 64 emoji, in code order. */
export const EMOJI: readonly string[] = EMOJI_TABLE.map(([e]) => e);

/** English name of one of the EMOJI (for labels under the emoji and for reading the code aloud). */
export function emojiName(emoji: string): string | undefined {
  return EMOJI_TABLE.find(([e]) => e === emoji)?.[1];
}

/**
 * Every `a=fingerprint:<hash-func> <hex>` of an SDP, session and media level (RFC 8122 §5),
 * normalised to `sha-256 AB:CD:…` (hash name lower case, hex upper case), sorted and unique, so the
 * same certificate always yields the same list whatever the SDP's layout.
 */
export function sdpFingerprints(sdp: string): string[] {
  const out = new Set<string>();
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^a=fingerprint:\s*(\S+)\s+([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*)\s*$/.exec(line);
    if (m) out.add(`${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}`);
  }
  return [...out].sort();
}

/** 32 random bytes, hex: the secret the commitment hides until the answer is in. */
export function randomNonce(): string {
  return toHex(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/** hex SHA-256("parley-call-commit-v1\n" + fingerprints joined by ',' + "\n" + nonce). */
export async function commitment(fingerprints: readonly string[], nonce: string): Promise<string> {
  return toHex(await sha256(`${COMMIT_CONTEXT}\n${fingerprints.join(',')}\n${nonce}`));
}

/**
 * The callee's check when the caller reveals its nonce: does the commitment it received with the
 * offer open to the caller fingerprints it saw? `false` means the offer was rewritten in the middle.
 */
export async function checkCommitment(expected: string, callerFingerprints: readonly string[], callerNonce: string): Promise<boolean> {
  const actual = await commitment(callerFingerprints, callerNonce);
  return constantTimeEqual(actual, expected.toLowerCase());
}

export interface VerificationInput {
  callerFingerprints: readonly string[];
  calleeFingerprints: readonly string[];
  callerNonce: string;
  calleeNonce: string;
}

/**
 * The 4-emoji code: the first 24 bits of SHA-256("parley-call-sas-v1\n" + caller fps + "\n" + callee
 * fps + "\n" + caller nonce + "\n" + callee nonce), 6 bits per emoji. Both sides compute it over the
 * same inputs (caller's offer and callee's answer as each saw them), so equal codes mean both saw
 * the same two certificates.
 */
export async function verificationCode(input: VerificationInput): Promise<string[]> {
  const text = `${SAS_CONTEXT}\n${input.callerFingerprints.join(',')}\n${input.calleeFingerprints.join(',')}\n${input.callerNonce}\n${input.calleeNonce}`;
  const h = await sha256(text);
  const bits = (h[0]! << 16) | (h[1]! << 8) | h[2]!;
  return [18, 12, 6, 0].map((shift) => EMOJI[(bits >> shift) & 63]!);
}

/** English names of a code's emoji (same order). */
export function verificationWords(code: readonly string[]): string[] {
  return code.map((e) => emojiName(e) ?? '?');
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
