// Import boundaries of src/ (docs/architecture.md §Layers). Run by `npm run lint` and by
// tests/lint.test.ts inside `npm test`. Each layer lists what it MAY import; everything else
// under src/ is forbidden. Type-only imports count: a type is a dependency too.
//
// Unit tests (`*.test.ts` next to the code) are not shipped and may reach across layers to set
// up what they test; the rules below apply to production files only.

const TEST = '\\.test\\.ts$';

/** A rule: files under `src/<layer>/` may import only src/ paths matching `allowed`. */
function layer(name, allowed, comment) {
  return {
    name: `layer-${name}`,
    comment,
    severity: 'error',
    from: { path: `^src/${name}/`, pathNot: TEST },
    to: { path: '^src/', pathNot: `^src/(${allowed.join('|')})/` },
  };
}

const DOMAIN = ['kernel', 'protocol', 'storage', 'cluster', 'updates', 'accounts', 'chats'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Circular imports hide the layering and break initialisation order.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    layer('kernel', ['kernel'], 'kernel is the bottom layer: it imports nothing else of ours.'),
    layer('protocol', ['protocol'], 'protocol is pure and shared with the browser: only protocol.'),
    layer('client', ['protocol', 'client'], 'The SDK runs in browsers: protocol and client only.'),
    layer('storage', ['kernel', 'storage'], 'storage sits on kernel only.'),
    layer('cluster', ['kernel', 'protocol', 'cluster'], 'The Bus knows kernel and protocol only.'),
    layer('updates', ['kernel', 'protocol', 'storage', 'cluster', 'updates'], 'The update log sits below accounts and chats.'),
    layer('accounts', ['kernel', 'protocol', 'storage', 'cluster', 'updates', 'accounts'], 'accounts must not know chats.'),
    layer('chats', ['kernel', 'protocol', 'storage', 'cluster', 'updates', 'accounts', 'chats'], 'chats may use accounts, not the API.'),
    layer('sip/parser', ['sip/parser'], 'The SIP parser is pure (ARCHITECTURE.md convention 1): bytes in, typed values out.'),
    layer('sip', ['kernel', 'storage', 'accounts', 'shield', 'sip'], 'SIP sits beside chats: accounts for extensions, shield for bans.'),
    layer('shield', ['kernel', 'storage', 'shield'], 'The anti-abuse engine is pure over facts and stores: kernel and storage only.'),
    layer('media', ['kernel', 'protocol', 'storage', 'media'], 'Media (issue 7) sits on storage; chats reach it through an interface, not an import.'),
    layer('relays', ['kernel', 'protocol', 'relays'], 'Relays (issue 4): coturn config, supervision, TURN credentials and checks; no domain knowledge.'),
    layer('calls', [...DOMAIN, 'relays', 'calls'], 'Calls (issue 4): signaling state, privacy policy, sanitising, call log; relays for credentials.'),
    layer('audit', ['kernel', 'audit'], 'The leak audit reads packet captures: pure parsing, no domain knowledge.'),
    layer('app', [...DOMAIN, 'shield', 'media', 'relays', 'calls', 'app'], 'The service container wires domain modules; it never sees api/ or cli/.'),
    {
      name: 'layer-api',
      comment: 'api may use anything except the CLI and the composition root.',
      severity: 'error',
      from: { path: '^src/api/', pathNot: TEST },
      to: { path: '^src/(cli/|main\\.ts$)' },
    },
    {
      name: 'main-not-to-cli',
      comment: 'The composition root is used by the CLI, never the other way round.',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'api-only-from-main-or-cli',
      comment: 'Only src/main.ts and src/cli may import src/api (ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^src/', pathNot: [`^src/(api/|cli/|main\\.ts$)`, TEST] },
      to: { path: '^src/api/' },
    },
    {
      name: 'browser-code-no-node',
      comment: 'protocol and client run in browsers: no node: built-ins and no `ws` (pass a WebSocket in).',
      severity: 'error',
      from: { path: '^src/(protocol|client)/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'browser-code-no-ws',
      comment: 'protocol and client run in browsers: the `ws` package is Node-only.',
      severity: 'error',
      from: { path: '^src/(protocol|client)/', pathNot: TEST },
      to: { path: '(^|/)node_modules/ws/' },
    },
    {
      name: 'web-only-protocol-and-client',
      comment: 'The browser client (web/) may use only src/protocol and src/client of the server code.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/(protocol|client)/' },
    },
    {
      name: 'web-no-node',
      comment: 'Browser code cannot use node: built-ins (web/vite.config.ts is build tooling, not browser code).',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'Shipped code must not need devDependencies (tests may).',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-non-package-json',
      comment: 'Every npm import must be declared in package.json.',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
