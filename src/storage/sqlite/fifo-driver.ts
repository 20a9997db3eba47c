import { SqliteDialect, type DatabaseConnection, type Driver, type QueryCompiler, type TransactionSettings } from 'kysely';

/**
 * SqliteDialect whose single connection is handed to waiters in FIFO order. Kysely's own mutex
 * (kysely 0.28 `ConnectionMutex`) wakes every waiter on each release and all but one go back
 * to sleep: with hundreds of sends queued that is hundreds of wake-ups per statement, and CPU
 * per send doubled from 8 to 800 concurrent sends (/tmp/mb/send.mjs). Here a release wakes one.
 */
export class FifoSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new FifoDriver(super.createDriver());
  }
}

class FifoDriver implements Driver {
  private held = false;
  private readonly waiters: Array<() => void> = [];
  private head = 0;

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // On release the connection passes straight to the next waiter (`held` stays true).
    if (this.held) await new Promise<void>((resolve) => this.waiters.push(resolve));
    else this.held = true;
    return this.inner.acquireConnection(); // uncontended: only the holder gets here
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    const next = this.waiters[this.head];
    if (next === undefined) {
      this.held = false;
      return;
    }
    this.head++;
    // A queue as array + head index; drop the consumed part now and then, not on every shift.
    if (this.head === this.waiters.length || (this.head >= 1024 && this.head * 2 >= this.waiters.length)) {
      this.waiters.splice(0, this.head);
      this.head = 0;
    }
    next();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.savepoint!(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.rollbackToSavepoint!(connection, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.inner.releaseSavepoint!(connection, name, compile);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
