import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino). Secrets never reach a log line: every field that can carry one is
 * redacted here, once, instead of trusting each call site.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = {
    level,
    base: { svc: 'parley' },
    redact: {
      paths: [
        'password', '*.password', 'token', '*.token', 'secret', '*.secret',
        'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
        'linkToken', '*.linkToken', 'inviteCode', '*.inviteCode',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options);
}
