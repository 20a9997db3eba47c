import { defineErrors } from '../kernel/errors.js';

/**
 * Codes of call signaling (issue 4, docs/calls.md). A call the caller is not a party of is "not
 * found", never "forbidden": a call id must not confirm that a call exists. `call_not_allowed`
 * carries `data.reason` (CallRefusal in src/protocol/calls.ts), `bad_sdp` and `bad_candidate` carry
 * `data.reason` (what was wrong), `too_many_candidates` carries `data.max`.
 */
export const CallErrors = defineErrors({
  call_not_found: { http: 404, ws: 4404, message: 'No such call' },
  call_not_allowed: { http: 403, ws: 4403, message: 'This person cannot be called by you' },
  callee_unavailable: { http: 409, ws: 4409, message: 'The person you called has no device online' },
  callee_busy: { http: 409, ws: 4409, message: 'The person you called is in another call' },
  call_in_progress: { http: 409, ws: 4409, message: 'You are already in a call' },
  call_not_rung: { http: 403, ws: 4403, message: 'This device was not rung for this call' },
  call_already_answered: { http: 409, ws: 4409, message: 'The call was answered on another device' },
  call_ended: { http: 409, ws: 4409, message: 'The call has ended' },
  call_not_answered: { http: 409, ws: 4409, message: 'The call has not been answered yet' },
  device_offline: { http: 409, ws: 4409, message: 'This device has no open update channel: connect it before calling' },
  bad_sdp: { http: 400, ws: 4400, message: 'The session description is malformed or not end-to-end encrypted (DTLS-SRTP)' },
  bad_candidate: { http: 400, ws: 4400, message: 'The ICE candidate is malformed' },
  too_many_candidates: { http: 429, ws: 4429, message: 'Too many ICE candidates for this call' },
  relays_unavailable: { http: 503, ws: 1013, message: 'No relay server is available for a relayed call' },
});
