import { Type } from '@sinclair/typebox';
import { op, type Operation } from './types.js';
import { Id, DeviceInfo } from './schemas.js';
import { encodeLinkPayload } from '../../protocol/link.js';
import { clientFacts } from '../../app/shield-service.js';

/** How the app identifies itself (issue 6): `parley-web/1.2.0`, and the language it runs in. */
const ClientInfo = { client: Type.Optional(Type.String({ maxLength: 64 })), lang: Type.Optional(Type.String({ maxLength: 35 })) };

/** Accounts, sessions, devices and QR linking. */
export const accountOperations: Operation[] = [
  op({
    name: 'accounts.register', method: 'POST', path: '/accounts', auth: false, status: 201,
    summary: 'Create an account and log in its first device',
    params: Type.Object({
      username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 256 }),
      displayName: Type.Optional(Type.String({ maxLength: 128 })), phone: Type.Optional(Type.String({ maxLength: 32 })),
      inviteCode: Type.Optional(Type.String({ maxLength: 128 })), ...DeviceInfo, ...ClientInfo,
    }, { additionalProperties: false }),
    handler: async ({ services, ip }, { client, lang, ...input }) => {
      const network = await services.shield.beforeRegister(ip);
      const r = await services.accounts.register(input);
      // A ban here is stored with the account: its next call answers account_banned, with the appeal route.
      await services.shield.afterRegister(r.account.id, network, clientFacts(client, lang));
      return r;
    },
  }),
  op({
    name: 'sessions.login', method: 'POST', path: '/sessions', auth: false, status: 201,
    summary: 'Log a device in with username and password',
    params: Type.Object({ username: Type.String({ maxLength: 64 }), password: Type.String({ maxLength: 256 }), ...DeviceInfo, ...ClientInfo }, { additionalProperties: false }),
    handler: async ({ services, ip }, { client, lang, ...input }) => {
      const network = await services.shield.beforeLogin(input.username, ip);
      const r = await services.accounts.login(input);
      // A banned account still logs in: the session is how it reads the notice and appeals.
      await services.shield.afterLogin(r.account.id, network, clientFacts(client, lang));
      return r;
    },
  }),
  op({
    name: 'sessions.logout', method: 'DELETE', path: '/sessions/current', auth: true,
    summary: 'Log this device out', params: Type.Object({}),
    handler: async ({ services, caller }) => {
      await services.sessions.revoke(caller, caller.deviceId);
      return { ok: true };
    },
  }),
  op({
    name: 'me.get', method: 'GET', path: '/me', auth: true, summary: 'The calling account', params: Type.Object({}),
    handler: ({ services, caller }) => services.accounts.self(caller.accountId),
  }),
  op({
    name: 'me.update', method: 'PATCH', path: '/me', auth: true, summary: 'Change display name or phone number (E.164)',
    params: Type.Object({ displayName: Type.Optional(Type.String({ maxLength: 128 })), phone: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])) }, { additionalProperties: false }),
    handler: async ({ services, caller }, p) => {
      const r = await services.accounts.updateProfile(caller, p);
      services.shield.forgetAccount(caller.accountId);
      return r;
    },
  }),
  op({
    name: 'me.changePassword', method: 'PUT', path: '/me/password', auth: true,
    summary: 'Change the password (current one required); every other device is logged out',
    params: Type.Object({ currentPassword: Type.String({ maxLength: 256 }), newPassword: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.accounts.changePassword(caller, p.currentPassword, p.newPassword),
  }),
  op({
    name: 'accounts.resolve', method: 'GET', path: '/accounts/by-username/:username', auth: true, summary: 'Find an account by username',
    params: Type.Object({ username: Type.String({ maxLength: 64 }) }),
    handler: ({ services }, p) => services.accounts.findByUsername(p.username),
  }),
  op({
    name: 'devices.list', method: 'GET', path: '/devices', auth: true, summary: 'Devices logged in to this account', params: Type.Object({}),
    handler: ({ services, caller }) => services.sessions.list(caller),
  }),
  op({
    name: 'devices.revoke', method: 'DELETE', path: '/devices/:deviceId', auth: true, summary: 'Log a device out; its connection closes at once',
    params: Type.Object({ deviceId: Id }),
    handler: async ({ services, caller }, p) => {
      await services.sessions.revoke(caller, p.deviceId);
      return { ok: true };
    },
  }),
  op({
    name: 'link.request', method: 'POST', path: '/link/requests', auth: false, status: 201,
    summary: 'A new device asks for a one-time link token to show as a QR code',
    params: Type.Object({ ...DeviceInfo, username: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
    handler: async ({ services, origin }, p) => {
      const r = await services.linking.request(p);
      // Without a configured public URL, the origin the new device used is the one it can show.
      const server = services.config.http.publicUrl || (origin ?? '');
      return { ...r, qr: encodeLinkPayload({ server, token: r.token }) };
    },
  }),
  op({
    name: 'link.approve', method: 'POST', path: '/link/approve', auth: true, summary: 'Approve a scanned link token for this account',
    params: Type.Object({ token: Type.String({ maxLength: 256 }) }, { additionalProperties: false }),
    handler: ({ services, caller }, p) => services.linking.approve(caller, p.token),
  }),
  op({
    name: 'link.claim', method: 'POST', path: '/link/claim', auth: false,
    summary: 'The new device collects its session (waits up to waitMs for approval)',
    params: Type.Object({ token: Type.String({ maxLength: 256 }), claimSecret: Type.String({ maxLength: 256 }), waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 25000 })) }, { additionalProperties: false }),
    handler: ({ services }, p) => services.linking.claim(p.token, p.claimSecret, p.waitMs ?? 0),
  }),
];
