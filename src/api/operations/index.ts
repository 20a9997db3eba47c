import { Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TObject } from '@sinclair/typebox';
import { AppError } from '../../kernel/errors.js';
import type { Operation } from './types.js';
import { accountOperations } from './accounts.js';
import { chatOperations } from './chats.js';
import { messageOperations } from './messages.js';

export type { Operation, OperationContext } from './types.js';

/** The dispatch table: one handler per operation name, shared by HTTP and the update channel. */
export const OPERATIONS: readonly Operation[] = [...accountOperations, ...chatOperations, ...messageOperations];

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
      if (schema && value[key] !== undefined) value[key] = Value.Convert(schema, value[key]);
    }
  }
  if (!compiled.check.Check(value)) {
    const first = compiled.check.Errors(value).First();
    const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || undefined;
    throw new AppError('validation_failed', { field: field ?? '(body)', reason: first?.message ?? 'invalid' });
  }
  return value;
}

/** Empty schema for operations without params (kept to give OpenAPI an object). */
export const NoParams = Type.Object({});
