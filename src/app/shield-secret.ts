import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../kernel/config.js';

/**
 * The instance secret behind the shield's keyed hashes (address blocks, report ledger): config
 * `shield.secret`, else `<dataDir>/shield.secret`, made on first start (mode 0600). Several nodes
 * sharing one PostgreSQL database must share the secret: set it in config.
 */
export function shieldSecret(config: Readonly<Config>): string {
  if (config.shield.secret) return config.shield.secret;
  const file = join(config.dataDir, 'shield.secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // 'wx': two processes starting together must not both write; the loser reads the winner's.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}
