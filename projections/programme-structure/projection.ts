import type pg from 'pg';
import { programmeKeyOf, programmeStream } from '../../src/domain/programme/decider.js';
import type { ProgrammeEvent } from '../../src/domain/programme/events.js';
import { nodeKeyOf, programmeNodeStream } from '../../src/domain/programme-node/decider.js';
import type { ProgrammeNodeEvent, Target } from '../../src/domain/programme-node/events.js';
import type { AnyEvent } from '../../src/domain/stream-types.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection, TableNames } from '../../src/projection-engine/projection.js';

/**
 * Programme structure: programmes, their hierarchy of nodes, and the investments' funding,
 * period and targets, for listing and for the passport's checks (see queries.ts).
 *
 * Every row keeps the stream version it was last written at, and every write is guarded by
 * it, so an event applied twice, or an older one after a newer one, changes nothing.
 * Events are applied one by one: reference data is a few hundred events, so batching the
 * statements would buy nothing and cost clarity.
 */
export const programmeStructure: Projection<AnyEvent> = {
  name: 'programme_structure',
  version: 1,
  tables: ['programmes', 'programme_nodes', 'programme_targets'],
  createTables: (t) => [
    `create table ${t.programmes} (
       programme  text not null,
       period     text not null,
       fund       text not null,
       name_lv    text not null,
       name_en    text not null,
       status     text not null,
       version    integer not null,
       defined_at timestamptz not null,
       amended_at timestamptz,
       retired_at timestamptz,
       primary key (programme, period)
     )`,
    `create table ${t.programme_nodes} (
       programme   text not null,
       period      text not null,
       code        text not null,
       sort_key    text not null,
       kind        text not null,
       parent_code text,
       name_lv     text not null,
       name_en     text not null,
       planned_funding_cents bigint,
       start_date  date,
       end_date    date,
       status      text not null,
       version     integer not null,
       defined_at  timestamptz not null,
       amended_at  timestamptz,
       retired_at  timestamptz,
       primary key (programme, period, code)
     )`,
    `create index on ${t.programme_nodes} (programme, period, parent_code)`,
    `create index on ${t.programme_nodes} (programme, period, kind)`,
    `create table ${t.programme_targets} (
       programme text not null,
       period    text not null,
       node_code text not null,
       code      text not null,
       position  integer not null,
       kind      text not null,
       name_lv   text not null,
       name_en   text not null,
       unit_lv   text,
       unit_en   text,
       value     numeric,
       due_date  date not null,
       primary key (programme, period, node_code, code)
     )`,
  ],
  async apply(tx, events, t) {
    for (const e of events) {
      if (programmeStream.owns(e)) await applyProgramme(tx, e, t);
      if (programmeNodeStream.owns(e)) await applyNode(tx, e, t);
    }
  },
};

async function applyProgramme(tx: pg.ClientBase, e: StoredEvent<ProgrammeEvent>, t: TableNames): Promise<void> {
  const { code, period } = programmeKeyOf(e.streamId);
  const key = [code, period, e.version];
  switch (e.type) {
    case 'ProgrammeDefined.v1':
      await tx.query(
        `insert into ${t.programmes} (programme, period, fund, name_lv, name_en, status, version, defined_at)
         values ($1, $2, $4, $5, $6, 'active', $3, $7) on conflict do nothing`,
        [...key, e.data.fund, e.data.name.lv, e.data.name.en, e.data.definedAt],
      );
      return;
    case 'ProgrammeAmended.v1':
      await tx.query(
        `update ${t.programmes} set fund = $4, name_lv = $5, name_en = $6, amended_at = $7, version = $3
          where programme = $1 and period = $2 and version < $3`,
        [...key, e.data.fund, e.data.name.lv, e.data.name.en, e.data.amendedAt],
      );
      return;
    case 'ProgrammeRetired.v1':
      await tx.query(
        `update ${t.programmes} set status = 'retired', retired_at = $4, version = $3
          where programme = $1 and period = $2 and version < $3`,
        [...key, e.data.retiredAt],
      );
      return;
    default: {
      const exhaustive: never = e;
      throw new Error(`programme_structure cannot apply ${JSON.stringify(exhaustive)}`);
    }
  }
}

async function applyNode(tx: pg.ClientBase, e: StoredEvent<ProgrammeNodeEvent>, t: TableNames): Promise<void> {
  const { programme, period, code } = nodeKeyOf(e.streamId);
  const key = [programme, period, code, e.version];
  switch (e.type) {
    case 'ProgrammeNodeDefined.v1': {
      const d = e.data;
      const inserted = await tx.query(
        `insert into ${t.programme_nodes} (programme, period, code, version, sort_key, kind, parent_code, name_lv, name_en,
           planned_funding_cents, start_date, end_date, status, defined_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'active', $13) on conflict do nothing`,
        [...key, sortKey(code), d.kind, d.parent, d.name.lv, d.name.en, d.plannedFundingCents, d.startDate, d.endDate, d.definedAt],
      );
      if (inserted.rowCount) await insertTargets(tx, t, [programme, period, code], d.targets);
      return;
    }
    case 'ProgrammeNodeAmended.v1': {
      const d = e.data;
      const updated = await tx.query(
        `update ${t.programme_nodes}
            set name_lv = $5, name_en = $6, planned_funding_cents = $7, start_date = $8, end_date = $9, amended_at = $10, version = $4
          where programme = $1 and period = $2 and code = $3 and version < $4`,
        [...key, d.name.lv, d.name.en, d.plannedFundingCents, d.startDate, d.endDate, d.amendedAt],
      );
      // An amendment carries the whole target list: replace it, but only if this event was not applied before.
      if (!updated.rowCount) return;
      await tx.query(`delete from ${t.programme_targets} where programme = $1 and period = $2 and node_code = $3`, [
        programme,
        period,
        code,
      ]);
      await insertTargets(tx, t, [programme, period, code], d.targets);
      return;
    }
    case 'ProgrammeNodeRetired.v1':
      await tx.query(
        `update ${t.programme_nodes} set status = 'retired', retired_at = $5, version = $4
          where programme = $1 and period = $2 and code = $3 and version < $4`,
        [...key, e.data.retiredAt],
      );
      return;
    default: {
      const exhaustive: never = e;
      throw new Error(`programme_structure cannot apply ${JSON.stringify(exhaustive)}`);
    }
  }
}

async function insertTargets(tx: pg.ClientBase, t: TableNames, node: string[], targets: Target[]): Promise<void> {
  if (targets.length === 0) return;
  await tx.query(
    `insert into ${t.programme_targets} (programme, period, node_code, position, code, kind, name_lv, name_en, unit_lv, unit_en, value, due_date)
     select $1::text, $2::text, $3::text, * from unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::numeric[], $12::date[])`,
    [
      ...node,
      targets.map((_, i) => i),
      targets.map((x) => x.code),
      targets.map((x) => x.kind),
      targets.map((x) => x.name.lv),
      targets.map((x) => x.name.en),
      targets.map((x) => x.unit?.lv ?? null),
      targets.map((x) => x.unit?.en ?? null),
      targets.map((x) => x.value),
      targets.map((x) => x.dueDate),
    ],
  );
}

/** Orders codes as people read them: 2.2 before 2.10 (numbers padded), `.i`/`.r` kept as they are. */
export function sortKey(code: string): string {
  return code
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? part.padStart(3, '0') : part))
    .join('.');
}
