// ESLint flat config: @eslint/js + typescript-eslint recommended, without type information so
// that `npm test` stays fast. Import boundaries are checked by dependency-cruiser
// (.dependency-cruiser.cjs), not here.
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', 'data/', '.tmp/', '.mut/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      // TypeScript checks names in .ts files; these are for the plain .js/.mjs scripts.
      globals: Object.fromEntries(
        ['process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'fetch', 'structuredClone'].map((g) => [g, 'readonly']),
      ),
    },
    rules: {
      // `_name` marks a deliberately unused binding (destructuring to omit a field, unused args).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly' } },
  },
);
