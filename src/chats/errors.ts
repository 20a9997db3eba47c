import { defineErrors } from '../kernel/errors.js';

export const ChatErrors = defineErrors({
  // Non-members get "not found", never "forbidden": a chat's existence is itself private.
  chat_not_found: { http: 404, ws: 4404, message: 'No such chat' },
  message_not_found: { http: 404, ws: 4404, message: 'No such message' },
  not_chat_admin: { http: 403, ws: 4403, message: 'Only admins can do that in this chat' },
  not_message_author: { http: 403, ws: 4403, message: 'Only the author can do that' },
  user_blocked: { http: 403, ws: 4403, message: 'You cannot message this user' },
  message_invalid: { http: 400, ws: 4400, message: 'The message text is empty or too long' },
  random_id_invalid: { http: 400, ws: 4400, message: 'randomId must be 1–64 characters of A–Z, a–z, 0–9, _ or -' },
  random_id_reused: { http: 409, ws: 4409, message: 'That randomId was already used for another chat' },
  member_exists: { http: 409, ws: 4409, message: 'Already a member' },
  member_not_found: { http: 404, ws: 4404, message: 'Not a member of this chat' },
  group_too_large: { http: 409, ws: 4409, message: 'The group is full' },
  owner_cannot_leave: { http: 409, ws: 4409, message: 'Transfer ownership before leaving' },
  invalid_chat_operation: { http: 400, ws: 4400, message: 'This operation does not apply to this kind of chat' },
  title_invalid: { http: 400, ws: 4400, message: 'Titles are 1–128 characters' },
  cannot_target_self: { http: 400, ws: 4400, message: 'You cannot do that to yourself' },
});
