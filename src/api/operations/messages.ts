import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { Id, MediaId } from './schemas.js';

const RandomId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const ok = { ok: true } as const;

/** Messages, receipts, typing and drafts. */
export const messageOperations: Operation[] = [
  op({ name: 'messages.send', method: 'POST', path: '/chats/:chatId/messages', auth: true, summary: 'Send a message; the same randomId never creates a second one',
    params: Type.Object({ chatId: Id, randomId: RandomId, text: Type.String({ maxLength: 65536 }), replyToId: Type.Optional(Type.Union([Id, Type.Null()])), mediaId: Type.Optional(Type.Union([MediaId, Type.Null()])) }, { additionalProperties: false }),
    handler: async ({ services, caller, ip }, p) => {
      const end = services.metrics.sendLatency.startTimer();
      // Rate limits and the verdict come before the message is stored: a ban refuses it (account_banned).
      const shielded = await services.shield.beforeSend(caller.accountId, p.chatId, ip);
      const m = await services.messages.send(caller, p.chatId, p);
      await services.shield.afterSend(caller.accountId, [m.id], shielded);
      end();
      services.metrics.messagesSent.inc();
      return m;
    } }),
  op({ name: 'messages.history', method: 'GET', path: '/chats/:chatId/messages', auth: true, summary: 'History, newest first',
    params: Type.Object({ chatId: Id, beforeId: Type.Optional(Id), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    handler: ({ services, caller }, p) => services.messages.history(caller, p.chatId, { ...(p.beforeId !== undefined ? { beforeId: p.beforeId } : {}), ...(p.limit !== undefined ? { limit: p.limit } : {}) }) }),
  op({ name: 'messages.edit', method: 'PATCH', path: '/chats/:chatId/messages/:messageId', auth: true, summary: 'Edit one of your messages',
    params: Type.Object({ chatId: Id, messageId: Id, text: Type.String({ maxLength: 65536 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.messages.edit(caller, p.chatId, p.messageId, p.text) }),
  op({ name: 'messages.delete', method: 'POST', path: '/chats/:chatId/messages/delete', auth: true, summary: 'Delete for me or for everyone',
    params: Type.Object({ chatId: Id, messageIds: Type.Array(Id, { minItems: 1, maxItems: 100 }), forEveryone: Type.Boolean() }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.messages.delete(caller, p.chatId, p.messageIds, p.forEveryone); return ok; } }),
  op({ name: 'messages.forward', method: 'POST', path: '/chats/:chatId/forward', auth: true, summary: 'Forward messages here by reference',
    params: Type.Object({ chatId: Id, fromChatId: Id, messageIds: Type.Array(Id, { minItems: 1, maxItems: 100 }), randomIds: Type.Array(RandomId, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false }),
    handler: async ({ services, caller, ip }, p) => {
      const shielded = await services.shield.beforeSend(caller.accountId, p.chatId, ip, p.messageIds.length);
      const sent = await services.messages.forward(caller, p.fromChatId, p.messageIds, p.chatId, p.randomIds);
      await services.shield.afterSend(caller.accountId, sent.map((m) => m.id), shielded);
      return sent;
    } }),
  op({ name: 'messages.read', method: 'POST', path: '/chats/:chatId/read', auth: true, summary: 'Mark read up to maxId',
    params: Type.Object({ chatId: Id, maxId: Id }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.messages.markRead(caller, p.chatId, p.maxId); await services.shield.behaviour(caller.accountId, 'read'); return ok; } }),
  op({ name: 'messages.typing', method: 'POST', path: '/chats/:chatId/typing', auth: true, summary: 'Tell the other members you are typing (ephemeral)',
    params: Type.Object({ chatId: Id }),
    handler: async ({ services, caller }, p) => { await services.messages.typing(caller, p.chatId); await services.shield.behaviour(caller.accountId, 'typing'); return ok; } }),
  op({ name: 'drafts.save', method: 'PUT', path: '/chats/:chatId/draft', auth: true, summary: 'Save (or clear with "") the draft, synced to your devices',
    params: Type.Object({ chatId: Id, text: Type.String({ maxLength: 65536 }) }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.messages.saveDraft(caller, p.chatId, p.text); return ok; } }),
  op({ name: 'drafts.list', method: 'GET', path: '/drafts', auth: true, summary: 'Drafts of this account', params: Type.Object({}),
    handler: ({ services, caller }) => services.messages.drafts(caller) }),
];
