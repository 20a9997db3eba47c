import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The browser client (issue 3). Built into dist/web at the repo root; the server serves it at `/`.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsDir: 'assets',
    reportCompressedSize: false,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development: API and update channel on the local server.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
