/** The page `npm start` points at until the web client (issue 3) replaces it. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Parley</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}
code{background:#eef2f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Parley is running</h1>
<p>The messaging API is at <code>/api/v1</code> (<a href="/api/v1/openapi.json">OpenAPI document</a>),
the update channel is a WebSocket at <code>/api/v1/updates</code>, and health is at <a href="/healthz">/healthz</a>.</p>
<p>The browser client is not part of this build yet; use the SDK in <code>src/client</code> or the <code>parley</code> CLI.</p>
</body></html>`;
}
