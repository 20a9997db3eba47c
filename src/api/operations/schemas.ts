import { Type } from '@sinclair/typebox';

/** Reused parameter schemas. Ids are positive 31-bit integers (path strings are converted). */
export const Id = Type.Integer({ minimum: 1, maximum: 2147483647 });
export const Count = Type.Integer({ minimum: 0, maximum: 2147483647 });
export const DeviceInfo = {
  deviceName: Type.Optional(Type.String({ maxLength: 64 })),
  platform: Type.Optional(Type.String({ maxLength: 64 })),
};
/** Opaque media and upload ids (issue 7): random base64url. */
export const MediaId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
