import type { Config } from '../kernel/config.js';

/** One `parley` sub-command. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** Returns the exit code; -1 means "keep running" (serve). */
  run(config: Readonly<Config>, args: string[]): Promise<number>;
}

/** Wrong arguments: main prints the message and exits 2 (not 1, which means the task failed). */
export class UsageError extends Error {}
