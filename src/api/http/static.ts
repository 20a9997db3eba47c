import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError, toErrorBody } from '../../kernel/errors.js';
import { landingPage } from './landing.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.webp': 'image/webp', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};

// The client talks only to its own origin (HTTP API and the update channel).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the built web client (issue 3) from `webDir`: hashed files under /assets/ are cached
 * forever, anything else is revalidated, and unknown paths without an extension get index.html so
 * client routes (/chat/42) survive a reload. Without a build, `/` shows the placeholder page.
 */
export function registerWebClient(app: FastifyInstance, webDir: string | undefined): void {
  const root = webDir ? resolve(webDir) : undefined;
  if (!root || !existsSync(join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(landingPage()));
    return;
  }
  const handler = async (path: string): Promise<{ status: number; body: Buffer | string; type: string; cache: string }> => {
    let rel: string;
    try {
      rel = decodeURIComponent(path.split('?')[0]!);
    } catch {
      rel = '/';
    }
    const file = resolve(root, `.${rel}`);
    const inside = file === root || file.startsWith(root + sep);
    if (inside && file !== root && !rel.includes('\0') && isFile(file)) {
      const immutable = rel.startsWith('/assets/');
      return { status: 200, body: await readFile(file), type: TYPES[extname(file)] ?? 'application/octet-stream', cache: immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
    }
    if (extname(rel) && rel !== '/index.html') return { status: 404, body: 'Not found', type: 'text/plain; charset=utf-8', cache: 'no-cache' };
    return { status: 200, body: await readFile(join(root, 'index.html')), type: TYPES['.html']!, cache: 'no-cache' };
  };
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.url;
    if (path.startsWith('/api/')) {
      const { status, body } = toErrorBody(new AppError('unknown_operation', { path: path.split('?')[0] }));
      return reply.code(status).send(body);
    }
    const r = await handler(path);
    void reply.code(r.status).header('cache-control', r.cache).header('x-content-type-options', 'nosniff');
    if (r.type.startsWith('text/html')) void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
    return reply.type(r.type).send(r.body);
  });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
