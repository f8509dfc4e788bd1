import { Migration } from '@mikro-orm/migrations';

/**
 * Two pieces of bookkeeping beside the log, neither of them a source of truth:
 *
 * - `process_checkpoints`: how far each process manager (src/projection-engine/process-manager.ts)
 *   has read the log, as the (transaction id, position) pair the readers use; it runs workflow
 *   steps that a stopped request left undone.
 * - `http_idempotency`: the first answer to each write sent with an Idempotency-Key, per caller,
 *   so a retry gets exactly that status and body back. The append under the same key (es_idempotency)
 *   is what guarantees nothing is stored twice; this table only remembers the answer.
 */
export class Migration20261202000300_workflows_and_idempotent_responses extends Migration {
  override up(): void {
    this.addSql(`
      create table process_checkpoints (
        name           text primary key,
        checkpoint_tx  xid8 not null default '0',
        checkpoint_pos bigint not null default 0,
        events_seen    bigint not null default 0,
        updated_at     timestamptz not null default now()
      )`);
    this.addSql(`
      create table http_idempotency (
        key         text primary key,
        fingerprint text not null,
        status      integer not null,
        headers     jsonb not null,
        body        jsonb,
        created_at  timestamptz not null default now()
      )`);
  }

  override down(): void {
    this.addSql('drop table if exists http_idempotency');
    this.addSql('drop table if exists process_checkpoints');
  }
}
