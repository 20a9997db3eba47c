import './errors.js';
import { hash, verify, Algorithm } from '@node-rs/argon2';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { AppError } from '../kernel/errors.js';

export interface PasswordPolicy {
  minScore: number;
  memoryKiB: number;
  iterations: number;
}

const zxcvbn = new ZxcvbnFactory({
  dictionary: { ...common.dictionary, ...en.dictionary },
  graphs: common.adjacencyGraphs,
  translations: en.translations,
});

/** Passwords scanners and people try first; refused whatever zxcvbn says. */
const OBVIOUS = /^(?:(\d)\1*|0123456789?|123456789?0?|1234|12345|123456|password\d*|passw0rd|qwerty\d*|letmein|admin\d*|secret\d*)$/i;

/**
 * Refuses weak passwords: too short or long, an obvious pattern, containing the username, or a
 * zxcvbn score below policy. The reason goes back to the user; the password never does.
 */
export function assertStrongPassword(password: string, username: string, policy: PasswordPolicy): void {
  if (typeof password !== 'string' || password.length < 8) throw weak('at least 8 characters');
  if (password.length > 256) throw weak('at most 256 characters');
  if (OBVIOUS.test(password)) throw weak('a commonly guessed password');
  const lower = password.toLowerCase();
  if (username.length >= 3 && lower.includes(username.toLowerCase())) throw weak('must not contain the username');
  // zxcvbn's matching grows with length (tens of ms on the event loop): score the first 100
  // characters, which can only under-estimate a longer password's strength.
  const result = zxcvbn.check(password.slice(0, 100), [username]);
  if (result.score < policy.minScore) {
    throw weak(result.feedback.warning ?? 'too easy to guess', result.score, result.feedback.suggestions);
  }
}

function weak(reason: string, score?: number, suggestions?: string[]): AppError {
  const data: Record<string, unknown> = { reason };
  if (score !== undefined) data.score = score;
  if (suggestions?.length) data.suggestions = suggestions;
  return new AppError('password_weak', data);
}

/** argon2id (RFC 9106) with the configured cost. */
export function hashPassword(password: string, policy: PasswordPolicy): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id, memoryCost: policy.memoryKiB, timeCost: policy.iterations, parallelism: 1 });
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** A real hash to verify against for unknown usernames, so "no such user" costs the same time. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(policy: PasswordPolicy): Promise<string> {
  dummyHash ??= hashPassword('parley-timing-equaliser', policy);
  return dummyHash;
}
