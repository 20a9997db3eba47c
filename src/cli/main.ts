#!/usr/bin/env node
import { loadConfig, ConfigError } from '../kernel/config.js';
import { toErrorBody } from '../kernel/errors.js';
import { COMMANDS as BASE_COMMANDS, UsageError } from './commands.js';
import { sipCommand } from './sip-commands.js';

const COMMANDS = [...BASE_COMMANDS, sipCommand];

/** `parley <command>`: serve, admin …, doctor. Exit codes: 0 ok, 1 failure, 2 usage or config error. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stdout.write(`usage: parley <command>\n\n${COMMANDS.map((c) => `  ${c.usage.padEnd(44)} ${c.summary}`).join('\n')}\n`);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  let config;
  try {
    config = loadConfig({ env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  try {
    return await command.run(config, args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    const { body, known } = toErrorBody(err);
    process.stderr.write(`error: ${known ? `${body.error.code}: ${body.error.message}${body.error.data ? ` ${JSON.stringify(body.error.data)}` : ''}` : (err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
