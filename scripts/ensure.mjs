#!/usr/bin/env node
// Set-up behind `npm start` and `npm test` (README quick start): installs what is missing, starts
// the local services the tests need, and builds. Safe to run again: each step checks first.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const mode = process.argv[2] ?? 'build';
const isRoot = process.getuid?.() === 0;
const log = (m) => process.stderr.write(`[parley setup] ${m}\n`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, opts = {}) => execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

// Debian packages per mode: binary to look for → package that provides it.
// openssl makes the self-signed certificate for SIP over TLS on first start.
const DEBIAN = {
  start: { turnserver: 'coturn', openssl: 'openssl', nft: 'nftables' },
  test: {
    chromium: 'chromium', ffmpeg: 'ffmpeg', openssl: 'openssl', sipp: 'sip-tester', svwar: 'sipvicious', baresip: 'baresip',
    // Calls: a real coturn, packet capture for the leak audit, namespaces and netem for the privacy tests.
    turnserver: 'coturn', tshark: 'tshark', ip: 'iproute2', tc: 'iproute2', nft: 'nftables',
  },
};

let aptUpdated = false;
function aptInstall(pkgs) {
  if (!pkgs.length) return;
  if (!isRoot) {
    log(`missing Debian packages (${pkgs.join(' ')}); not root, so not installing them`);
    return;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run('apt-get update -qq', { env });
    aptUpdated = true;
  }
  run(`apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`, { env });
}

function ensureNpm() {
  const lock = 'package-lock.json';
  const marker = 'node_modules/.package-lock.json';
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies');
  // Not `npm ci`: with this machine's npm settings the lock file keeps only the optional
  // platform packages that were installed (rollup's), and `npm ci` then refuses it as out of sync.
  // `npm install` still follows the lock file's versions.
  run('npm install --no-audit --no-fund');
}

function ensurePostgres() {
  const ready = () => spawnSync('pg_isready', ['-h', '127.0.0.1', '-p', '5432'], { stdio: 'ignore' }).status === 0;
  if (ready()) return;
  if (!existsSync('/etc/postgresql')) {
    log('PostgreSQL is not installed; PostgreSQL tests will fail');
    return;
  }
  log('starting PostgreSQL');
  const version = execSync('ls /etc/postgresql').toString().trim().split('\n')[0];
  run(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`);
  for (let i = 0; i < 50 && !ready(); i++) execSync('sleep 0.2');
}

function ensureRedis() {
  if (!has('redis-server')) return;
  if (spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', '6379', 'ping'], { encoding: 'utf8' }).stdout?.includes('PONG')) return;
  log('starting Redis');
  run('redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
}

function build() {
  log('building');
  run('npx tsc -p .');
  run('npx vite build --config web/vite.config.ts --logLevel warn');
}

ensureNpm();
const wanted = DEBIAN[mode] ?? {};
const missing = [...new Set(Object.entries(wanted).filter(([bin]) => !has(bin)).map(([, pkg]) => pkg))];
try {
  aptInstall(missing);
} catch (err) {
  // coturn is for calls (a later feature); messaging runs without it; the SIP tools only for their own suites.
  log(`could not install ${missing.join(' ')}: ${err.message.split('\n')[0]}`);
}
if (mode === 'test') {
  ensurePostgres();
  ensureRedis();
}
build();
