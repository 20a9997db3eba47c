import { ROUTES, type OperationName } from '../protocol/routes.js';
import { ApiError } from './errors.js';

/** Calls one operation over HTTP: path params are filled in, the rest goes in the query or body. */
export async function httpCall<T>(baseUrl: string, token: string | undefined, name: OperationName, params: Record<string, unknown> = {}): Promise<T> {
  const [method, pattern] = ROUTES[name];
  const rest = { ...params };
  const path = pattern.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const v = rest[key];
    delete rest[key];
    return encodeURIComponent(String(v));
  });
  let url = `${baseUrl.replace(/\/$/, '')}/api/v1${path}`;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (method === 'GET' || method === 'DELETE') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) qs.set(k, String(v));
    if ([...qs].length) url += `?${qs}`;
  } else {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(rest);
  }
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError('invalid_response', `server answered ${res.status} with non-JSON`, res.status);
  }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string; data?: Record<string, unknown> } }).error;
    throw new ApiError(e?.code ?? 'unknown', e?.message ?? res.statusText, res.status, e?.data);
  }
  return json as T;
}
