import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { Id, Count } from './schemas.js';

const ChatId = { chatId: Id };
const ok = { ok: true } as const;

/** Chats, membership, contacts, blocks, drafts and the update log. */
export const chatOperations: Operation[] = [
  op({ name: 'chats.list', method: 'GET', path: '/chats', auth: true, summary: 'Chats the caller is in', params: Type.Object({}),
    handler: ({ services, caller }) => services.chats.list(caller) }),
  op({ name: 'chats.get', method: 'GET', path: '/chats/:chatId', auth: true, summary: 'One chat', params: Type.Object(ChatId),
    handler: ({ services, caller }, p) => services.chats.get(caller, p.chatId) }),
  op({ name: 'chats.openDirect', method: 'POST', path: '/chats/direct', auth: true, summary: 'The direct chat with an account (created on first use)',
    params: Type.Object({ accountId: Id }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.chats.openDirect(caller, p.accountId) }),
  op({ name: 'chats.createGroup', method: 'POST', path: '/chats/groups', auth: true, status: 201, summary: 'Create a group',
    params: Type.Object({ title: Type.String({ maxLength: 256 }), memberIds: Type.Array(Id, { maxItems: 1000 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.chats.createGroup(caller, p.title, p.memberIds) }),
  op({ name: 'chats.createChannel', method: 'POST', path: '/chats/channels', auth: true, status: 201, summary: 'Create a channel',
    params: Type.Object({ title: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.chats.createChannel(caller, p.title) }),
  op({ name: 'chats.rename', method: 'PATCH', path: '/chats/:chatId', auth: true, summary: 'Rename a group or channel (admins)',
    params: Type.Object({ ...ChatId, title: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.chats.rename(caller, p.chatId, p.title) }),
  op({ name: 'chats.members', method: 'GET', path: '/chats/:chatId/members', auth: true, summary: 'Members (channel subscribers: admins only)', params: Type.Object(ChatId),
    handler: ({ services, caller }, p) => services.chats.members(caller, p.chatId) }),
  op({ name: 'chats.addMembers', method: 'POST', path: '/chats/:chatId/members', auth: true, summary: 'Add members to a group (admins)',
    params: Type.Object({ ...ChatId, accountIds: Type.Array(Id, { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.chats.addMembers(caller, p.chatId, p.accountIds); return ok; } }),
  op({ name: 'chats.removeMember', method: 'DELETE', path: '/chats/:chatId/members/:accountId', auth: true, summary: 'Remove a member (admins) or leave',
    params: Type.Object({ ...ChatId, accountId: Id }),
    handler: async ({ services, caller }, p) => { await services.chats.removeMember(caller, p.chatId, p.accountId); return ok; } }),
  op({ name: 'chats.setRole', method: 'PUT', path: '/chats/:chatId/members/:accountId/role', auth: true, summary: 'Promote or demote a member (owner)',
    params: Type.Object({ ...ChatId, accountId: Id, role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.chats.setRole(caller, p.chatId, p.accountId, p.role); return ok; } }),
  op({ name: 'chats.leave', method: 'POST', path: '/chats/:chatId/leave', auth: true, summary: 'Leave a group or channel', params: Type.Object(ChatId),
    handler: async ({ services, caller }, p) => { await services.chats.leave(caller, p.chatId); return ok; } }),
  op({ name: 'chats.join', method: 'POST', path: '/chats/:chatId/join', auth: true, summary: 'Subscribe to a channel', params: Type.Object(ChatId),
    handler: ({ services, caller }, p) => services.chats.join(caller, p.chatId) }),
  op({ name: 'chats.difference', method: 'GET', path: '/chats/:chatId/difference', auth: true, summary: 'Channel updates after pts (fan-out on read)',
    params: Type.Object({ ...ChatId, pts: Count, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    handler: async ({ services, caller }, p) => {
      await services.chats.get(caller, p.chatId);
      return services.updates.channelDifference(services.database.db, p.chatId, p.pts, p.limit ?? 500);
    } }),

  op({ name: 'contacts.list', method: 'GET', path: '/contacts', auth: true, summary: 'Contacts', params: Type.Object({}),
    handler: ({ services, caller }) => services.contacts.list(caller) }),
  op({ name: 'contacts.add', method: 'POST', path: '/contacts', auth: true, summary: 'Add or rename a contact',
    params: Type.Object({ accountId: Id, name: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.contacts.add(caller, p.accountId, p.name) }),
  op({ name: 'contacts.remove', method: 'DELETE', path: '/contacts/:accountId', auth: true, summary: 'Remove a contact', params: Type.Object({ accountId: Id }),
    handler: async ({ services, caller }, p) => { await services.contacts.remove(caller, p.accountId); return ok; } }),
  op({ name: 'blocks.list', method: 'GET', path: '/blocks', auth: true, summary: 'Blocked accounts', params: Type.Object({}),
    handler: ({ services, caller }) => services.contacts.blocked(caller) }),
  op({ name: 'blocks.add', method: 'POST', path: '/blocks', auth: true, summary: 'Block an account', params: Type.Object({ accountId: Id }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => { await services.contacts.block(caller, p.accountId); await services.shield.blocked(caller.accountId, p.accountId); return ok; } }),
  op({ name: 'blocks.remove', method: 'DELETE', path: '/blocks/:accountId', auth: true, summary: 'Unblock an account', params: Type.Object({ accountId: Id }),
    handler: async ({ services, caller }, p) => { await services.contacts.unblock(caller, p.accountId); return ok; } }),

  op({ name: 'updates.state', method: 'GET', path: '/updates/state', auth: true, summary: 'The account pts now', params: Type.Object({}),
    handler: async ({ services, caller }) => ({ pts: (await services.accounts.self(caller.accountId)).pts }) }),
  op({ name: 'updates.difference', method: 'GET', path: '/updates/difference', auth: true, summary: 'Updates after pts (HTTP fallback of the update channel)',
    params: Type.Object({ pts: Count, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
    handler: ({ services, caller }, p) => services.updates.difference(services.database.db, caller.accountId, p.pts, p.limit ?? 500) }),
];
