import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface OutboxEntry {
  seq: number;
  topic: string;
  payload: string;
  messageId: string;
}

/**
 * The edge's durable queue (SQLite, WAL, synchronous=FULL): every event the cloud must
 * receive is written here before anything else happens, and leaves only once the broker
 * acknowledged it (MQTT PUBACK). After a disconnection — or a crash, or a power cut — the
 * queue replays in order. The same database remembers which commands were executed, so a
 * redelivered command is acknowledged but never run twice — unless the edge died while running
 * it (crash, power cut, SIGKILL): such a command never finished, so it runs again when the
 * control plane redelivers it (commands are idempotent: a sync resumes, a wake repeats).
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly first: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly count: Database.Statement;
  private readonly claimCommand: Database.Statement;
  private readonly finishCommandStatement: Database.Statement;
  private readonly nextSeq: Database.Statement;
  /** Commands a previous run of the edge started but never finished; released, so they run again when redelivered. */
  readonly interruptedCommands: readonly { id: string; type: string }[];

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        topic TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS executed_commands (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        result TEXT,
        executed_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS task_sequences (
        task TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
      );
    `);
    this.insert = this.db.prepare('INSERT OR IGNORE INTO outbox (message_id, topic, payload, created_at) VALUES (?, ?, ?, ?)');
    this.first = this.db.prepare('SELECT seq, topic, payload, message_id AS messageId FROM outbox ORDER BY seq LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.count = this.db.prepare('SELECT COUNT(*) AS n FROM outbox');
    this.claimCommand = this.db.prepare('INSERT OR IGNORE INTO executed_commands (id, type, executed_at) VALUES (?, ?, ?)');
    this.finishCommandStatement = this.db.prepare('UPDATE executed_commands SET result = ? WHERE id = ?');
    // A claim without a result outlived the process that was executing it: nothing runs it now.
    this.interruptedCommands = this.db.prepare('DELETE FROM executed_commands WHERE result IS NULL RETURNING id, type').all() as { id: string; type: string }[];
    this.nextSeq = this.db.prepare(
      'INSERT INTO task_sequences (task, seq) VALUES (?, 0) ON CONFLICT(task) DO UPDATE SET seq = seq + 1 RETURNING seq',
    );
  }

  /** Queues a message (idempotent by message id). Returns once it is on disk. */
  enqueue(topic: string, message: { id: string }): void {
    this.insert.run(message.id, topic, JSON.stringify(message), new Date().toISOString());
  }

  /** The oldest entries, in the order they were queued. */
  peek(limit = 100): OutboxEntry[] {
    return this.first.all(limit) as OutboxEntry[];
  }

  /** Removes an entry the broker acknowledged. */
  delivered(seq: number): void {
    this.remove.run(seq);
  }

  get size(): number {
    return (this.count.get() as { n: number }).n;
  }

  /** The next sequence number of one task's events (survives restarts); the task is a deployment's or a backup request (its id). */
  taskSequence(deploymentId: string, machineId: string): number {
    return (this.nextSeq.get(`${deploymentId}#${machineId}`) as { seq: number }).seq;
  }

  /** True the first time a command id is seen: only then may it be executed. */
  firstExecution(commandId: string, type: string): boolean {
    return this.claimCommand.run(commandId, type, new Date().toISOString()).changes === 1;
  }

  finishCommand(commandId: string, result: string): void {
    this.finishCommandStatement.run(result, commandId);
  }

  close(): void {
    this.db.close();
  }
}
