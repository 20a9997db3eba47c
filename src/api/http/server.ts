import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { AppError, toErrorBody } from '../../kernel/errors.js';
import type { Services } from '../../app/services.js';
import { compileOperations, validateParams, type CompiledOperation } from '../operations/index.js';
import { UpdateChannel } from '../ws/update-channel.js';
import { registerWebClient } from './static.js';
import { registerMediaRoutes } from './media-routes.js';

export interface HttpServer {
  app: FastifyInstance;
  channel: UpdateChannel;
}

/** fastify's own errors (bad JSON, body limits, media type) mapped to our registry codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
};

/**
 * Builds the HTTP API under /api/v1, the OpenAPI document, health, metrics, the update channel and
 * the web client (served from `opts.webDir` when built).
 */
export async function buildHttpServer(services: Services, opts: { webDir?: string } = {}): Promise<HttpServer> {
  const { config } = services;
  const app = Fastify({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    logger: false,
    return503OnClosing: true,
    // Keep-alive sockets must not pin shutdown.
    forceCloseConnections: true,
  });
  const operations = compileOperations();

  await app.register(swagger, {
    openapi: {
      info: { title: 'Parley API', version: '1', description: 'Errors: `{ error: { code, message, data? } }` with the status from docs/errors.md.' },
      components: { securitySchemes: { device: { type: 'http', scheme: 'bearer' } } },
    },
  });
  // Validation happens once, in validateParams, against the merged params; schemas given to
  // fastify only describe the routes for OpenAPI.
  app.setValidatorCompiler(() => () => true);
  // The API speaks JSON only: fastify's default text/plain parser would let a plain-text body
  // through as a string (answered validation_failed) instead of 415 unsupported_media_type.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err, req, reply) => {
    const mapped = typeof (err as { code?: unknown }).code === 'string' ? FASTIFY_CODES[(err as { code: string }).code] : undefined;
    const error = mapped ? new AppError(mapped) : err;
    const { status, body, known } = toErrorBody(error);
    if (!known) services.logger.error({ err, url: req.url.split('?')[0] }, 'request failed');
    // RFC 9110 §10.2.3: whole seconds; the body's data.retryAfterMs keeps the precise value.
    const retryAfterMs = body.error.data?.retryAfterMs;
    if (typeof retryAfterMs === 'number') void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    void reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { status, body } = toErrorBody(new AppError('unknown_operation', { path: req.url.split('?')[0] }));
    void reply.code(status).send(body);
  });

  for (const compiled of operations.values()) registerRoute(app, services, compiled);

  app.get('/healthz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await services.database.db.selectFrom('accounts').select('id').limit(1).execute();
      return { status: 'ok', database: services.database.dialect };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    // No operator token yet: metrics answer loopback only (a proxy must not forward /metrics).
    if (!isLoopback(req.socket.remoteAddress)) return reply.code(404).send(toErrorBody(new AppError('unknown_operation')).body);
    void reply.header('content-type', services.metrics.registry.contentType);
    return services.metrics.registry.metrics();
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerMediaRoutes(app, services);
  registerWebClient(app, opts.webDir);

  const channel = new UpdateChannel(services, operations);
  app.server.on('upgrade', (req, socket, head) => {
    if (!channel.handleUpgrade(req, socket, head)) socket.destroy();
  });
  app.addHook('onClose', async () => channel.close());
  return { app, channel };
}

function registerRoute(app: FastifyInstance, services: Services, compiled: CompiledOperation): void {
  const { op } = compiled;
  const url = `/api/v1${op.path}`;
  const pathKeys = [...op.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  const props = op.params.properties as Record<string, TSchema>;
  const rest = Object.keys(props).filter((k) => !pathKeys.includes(k));
  const usesBody = op.method !== 'GET' && op.method !== 'DELETE';
  const queryKeys = usesBody ? [] : rest;
  const schema: Record<string, unknown> = { summary: op.summary, operationId: op.name, tags: [op.name.split('.')[0]] };
  if (pathKeys.length) schema.params = Type.Pick(op.params as TObject, pathKeys);
  if (rest.length) schema[usesBody ? 'body' : 'querystring'] = Type.Pick(op.params as TObject, rest);
  if (op.auth) schema.security = [{ device: [] }];

  app.route({
    method: op.method,
    url,
    schema,
    handler: async (req, reply) => {
      try {
        const caller = op.auth ? await services.sessions.authenticate(bearer(req)) : { accountId: 0, deviceId: 0 };
        const body = req.body;
        if (usesBody && body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) throw new AppError('validation_failed', { field: '(body)', reason: 'must be a JSON object' });
        const raw: Record<string, unknown> = { ...(usesBody ? (body as Record<string, unknown> | undefined) ?? {} : (req.query as Record<string, unknown>)), ...(req.params as Record<string, unknown>) };
        const params = validateParams(compiled, raw, [...pathKeys, ...queryKeys]);
        const result = await op.handler({ services, caller, ip: req.ip, origin: `${req.protocol}://${req.host}` }, params as never);
        services.metrics.requests.inc({ op: op.name, outcome: 'ok' });
        return reply.code(op.status ?? 200).send(result ?? {});
      } catch (err) {
        services.metrics.requests.inc({ op: op.name, outcome: err instanceof AppError ? err.code : 'internal' });
        throw err;
      }
    },
  });
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  // RFC 9110 §11.1: the scheme name is case-insensitive.
  const m = typeof h === 'string' ? /^bearer +(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';
}
