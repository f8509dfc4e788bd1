import type { MikroORM } from '@mikro-orm/postgresql';
import { fold } from '../domain/decider.js';
import { passportStream, passportStreamId } from '../domain/passport/decider.js';
import type { EventStore } from '../eventstore/port.js';
import { readOwn } from './command.js';

/**
 * An operation in the list every cohesion programme publishes (CPR 2021/1060 Art. 49(3)),
 * from an approved passport's version in force. Fields the passport does not hold are null.
 */
export interface Operation {
  projectId: string;
  beneficiaryName: string;
  /** Registration number (unique id of the beneficiary). */
  beneficiaryId: string;
  operationName: string;
  operationNameLv: string;
  /** The passport's objective (section 3). */
  purpose: string;
  /** The day the passport was first approved: the passport holds no start date. */
  startDate: string;
  /** End of the latest quarter an ICT solution is to be implemented in; null if none is planned. */
  endDate: string | null;
  totalCostCents: number;
  /** RRF money is 100 % EU; for other funds the passport holds no rate (null). */
  euCofinancingRatePercent: number | null;
  /** Not in the passport (null); the country is that of every recipient so far. */
  postcode: null;
  country: 'LV';
  /** CPR Annex I intervention field: not in the passport (null). */
  interventionField: null;
  fund: string;
  programme: string;
  period: string;
  investment: string;
}

/** Approved projects (project list read model), each read from its passport stream. */
export async function operationsList(store: EventStore, orm: MikroORM): Promise<Operation[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ project_id: string }[]>(`select project_id from projects where status = 'approved' order by fund, investment, project_id`);
  const operations: Operation[] = [];
  for (const { project_id } of rows) {
    const events = await readOwn(store, passportStream, passportStreamId(project_id));
    const state = fold(passportStream.decider, passportStream.decider.initialState, events);
    if (state.status !== 'approved' || state.approvedVersion === null) continue;
    const sections = state.versions.find((v) => v.version === state.approvedVersion)!.sections;
    const approval = events.find((e) => e.type === 'PassportApproved.v1');
    if (approval?.type !== 'PassportApproved.v1') continue;
    const quarters = (sections.contribution?.ictSolutions ?? []).map((s) => s.implementationQuarter).sort();
    operations.push({
      projectId: state.projectId,
      beneficiaryName: state.sections.recipient.name,
      beneficiaryId: state.sections.recipient.registrationNumber,
      operationName: state.title.en,
      operationNameLv: state.title.lv,
      purpose: sections.objective?.objective ?? '',
      startDate: approval.data.approvedAt.slice(0, 10),
      endDate: quarters.length ? quarterEnd(quarters.at(-1)!) : null,
      totalCostCents: sections.financing?.totalCents ?? 0,
      euCofinancingRatePercent: state.programme.fund === 'RRF' ? 100 : null,
      postcode: null,
      country: 'LV',
      interventionField: null,
      ...state.programme,
    });
  }
  return operations;
}

const quarterEnd = (q: string) => {
  const [year, quarter] = [Number(q.slice(0, 4)), Number(q.slice(-1))];
  return new Date(Date.UTC(year, quarter * 3, 0)).toISOString().slice(0, 10);
};

/** A final recipient of RRF money, by approved passports' totals (RRF Reg. 2021/241 Art. 22(2)(d)). */
export interface RrfRecipient {
  rank: number;
  recipientName: string;
  recipientId: string;
  projects: number;
  amountCents: number;
}

/** The 100 final recipients receiving the most RRF funding; ties broken by registration number. */
export async function rrfTopRecipients(orm: MikroORM, limit = 100): Promise<RrfRecipient[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ recipient_org: string; recipient_name: string; projects: string; cents: string }[]>(
      `select recipient_org, max(recipient_name) as recipient_name, count(*) as projects, sum(total_cents) as cents
         from projects where fund = 'RRF' and status = 'approved' and total_cents is not null
        group by recipient_org order by sum(total_cents) desc, recipient_org limit ?`,
      [limit],
    );
  return rows.map((r, i) => ({
    rank: i + 1,
    recipientName: r.recipient_name,
    recipientId: r.recipient_org,
    projects: Number(r.projects),
    amountCents: Number(r.cents),
  }));
}
