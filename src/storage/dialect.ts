/** The SQL dialects Parley runs on; its own file so migrations need not import database.ts. */
export type Dialect = 'sqlite' | 'postgres';
