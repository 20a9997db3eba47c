import { defineErrors } from '../../kernel/errors.js';

export const ChannelErrors = defineErrors({
  bad_frame: { http: 400, ws: 4400, message: 'The frame is malformed or not allowed here' },
  hello_required: { http: 400, ws: 4401, message: 'The first frame must be hello' },
  hello_timeout: { http: 408, ws: 4410, message: 'No hello in time' },
  keepalive_timeout: { http: 408, ws: 4408, message: 'No frame within the keep-alive timeout' },
  slow_consumer: { http: 429, ws: 4429, message: 'Updates are not being read: reconnect and resume' },
});
