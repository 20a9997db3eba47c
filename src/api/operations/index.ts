import { Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TObject } from '@sinclair/typebox';
import { AppError } from '../../kernel/errors.js';
import type { Operation } from './types.js';
import { accountOperations } from './accounts.js';
import { chatOperations } from './chats.js';
import { messageOperations } from './messages.js';
import { shieldOperations } from './shield.js';
import { mediaOperations } from './media.js';
import { callOperations } from './calls.js';

export type { Operation, OperationContext } from './types.js';

/** What a banned account may still do: read why, appeal, log out (issue 6). */
const BAN_EXEMPT = new Set(['shield.status', 'shield.appeal', 'sessions.logout']);

/** The dispatch table: one handler per operation name, shared by HTTP and the update channel. */
export const OPERATIONS: readonly Operation[] = banGuarded([...accountOperations, ...chatOperations, ...messageOperations, ...shieldOperations, ...mediaOperations, ...callOperations]);

/** Every other authenticated operation of a banned account fails with account_banned. */
function banGuarded(ops: Operation[]): Operation[] {
  return ops.map((o) => (!o.auth || BAN_EXEMPT.has(o.name) ? o : {
    ...o,
    handler: async (ctx, p) => {
      await ctx.services.shield.assertNotBanned(ctx.caller.accountId);
      return o.handler(ctx, p);
    },
  }));
}

export interface CompiledOperation {
  op: Operation;
  check: TypeCheck<TObject>;
}

export function compileOperations(ops: readonly Operation[] = OPERATIONS): Map<string, CompiledOperation> {
  const table = new Map<string, CompiledOperation>();
  for (const op of ops) {
    if (table.has(op.name)) throw new Error(`operation defined twice: ${op.name}`);
    table.set(op.name, { op, check: TypeCompiler.Compile(op.params) });
  }
  return table;
}

/**
 * Validates merged params. `fromStrings` converts path/query strings ("42" → 42) first; JSON
 * bodies and WebSocket frames are checked as sent.
 */
export function validateParams(compiled: CompiledOperation, raw: Record<string, unknown>, stringFields: readonly string[] = []): Record<string, unknown> {
  let value: Record<string, unknown> = raw;
  if (stringFields.length) {
    value = { ...raw };
    for (const key of stringFields) {
      const schema = compiled.op.params.properties[key];
      if (!schema || value[key] === undefined) continue;
      // Integers only from plain decimal digits: Value.Convert would turn "1.5" into 1 and "0x10" into 16.
      if (schema.type === 'integer' && typeof value[key] === 'string') value[key] = /^-?\d+$/.test(value[key]) ? Number(value[key]) : value[key];
      else value[key] = Value.Convert(schema, value[key]);
    }
  }
  if (!compiled.check.Check(value)) {
    const first = compiled.check.Errors(value).First();
    const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || undefined;
    throw new AppError('validation_failed', { field: field ?? '(body)', reason: first?.message ?? 'invalid' });
  }
  // PostgreSQL text cannot hold U+0000 (SQLite can): refuse it here so both back ends answer alike.
  const nul = findNul(value, '');
  if (nul !== undefined) throw new AppError('validation_failed', { field: nul || '(body)', reason: 'must not contain U+0000' });
  return value;
}

/** Path of the first string holding U+0000 in a validated (schema-bounded) value. */
function findNul(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (typeof v !== 'object' || v === null) return undefined;
  for (const [k, item] of Object.entries(v)) {
    const found = findNul(item, path ? `${path}.${k}` : k);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Empty schema for operations without params (kept to give OpenAPI an object). */
export const NoParams = Type.Object({});
