import './errors.js';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { AppError } from '../kernel/errors.js';

const USERNAME = /^[a-z][a-z0-9_]{2,31}$/;
const RESERVED = new Set([
  'admin', 'administrator', 'root', 'system', 'parley', 'support', 'help', 'security', 'abuse', 'postmaster',
  'hostmaster', 'webmaster', 'noreply', 'bot', 'api', 'null', 'undefined', 'everyone', 'operator', 'moderator',
]);

/** Normalises and checks a username: case-insensitive, stored lower-case. */
export function normaliseUsername(input: unknown): string {
  if (typeof input !== 'string') throw new AppError('username_invalid');
  const name = input.trim().toLowerCase();
  if (!USERNAME.test(name)) throw new AppError('username_invalid');
  if (RESERVED.has(name)) throw new AppError('username_reserved');
  return name;
}

/** Parses a phone number to E.164 (ITU-T E.164); a national number needs `country`. */
export function normalisePhone(input: string, country?: string): string {
  const parsed = parsePhoneNumberFromString(input, country as never);
  if (!parsed || !parsed.isValid()) throw new AppError('phone_invalid');
  return parsed.number;
}

/** Display names: trimmed, control characters removed, 1–64 characters. */
export function normaliseDisplayName(input: unknown, fallback: string): string {
  if (typeof input !== 'string') return fallback;
  // eslint-disable-next-line no-control-regex
  const clean = input.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 64);
  return clean || fallback;
}
