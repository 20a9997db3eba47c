import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { Id } from './schemas.js';

/**
 * Anti-abuse (issue 6): a banned account reads why and appeals (both allowed while banned, see
 * BAN_EXEMPT in index.ts); anyone reports a message as spam. A report counts only when the reported
 * account really delivered that message to the reporter — the answer says whether it counted.
 */
export const shieldOperations: Operation[] = [
  op({ name: 'shield.status', method: 'GET', path: '/me/ban', auth: true, summary: 'This account\'s ban (reason code, since, appeal state); banned false when none',
    params: Type.Object({}),
    handler: ({ services, caller }) => services.shield.status(caller.accountId) }),
  op({ name: 'shield.appeal', method: 'POST', path: '/me/appeal', auth: true, summary: 'Appeal this account\'s ban (once per ban); an operator decides',
    params: Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.shield.appeal(caller.accountId, p.note?.trim() || null) }),
  op({ name: 'reports.create', method: 'POST', path: '/chats/:chatId/messages/:messageId/report', auth: true, status: 201, summary: 'Report a message you received as spam',
    params: Type.Object({ chatId: Id, messageId: Id }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.shield.report(caller.accountId, p.chatId, p.messageId) }),
];
