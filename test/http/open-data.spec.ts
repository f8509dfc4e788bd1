import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';
import { buildFinancing, eAdrese } from '../support/passport-builders.js';
import { SEED_CALLER } from '../support/seeded.js';

const CFLA = '90009963334';
/** A second recipient: the Culture information systems centre, with a smaller RRF project. */
const KISC = { name: 'Kultūras informācijas sistēmu centrs', registrationNumber: '90001883323', directAdministration: true };

let app: TestApp;
const tokens: Record<string, string> = {};
const as = (who: string) => ({
  post: (url: string) => request(app.service.app).post(url).set('Authorization', tokens[who]!),
  patch: (url: string) => request(app.service.app).patch(url).set('Authorization', tokens[who]!),
});

/** Drafts and fills a passport for `recipient`; approves it unless told to stop at the draft. */
async function passport(who: string, recipient: typeof KISC, totalCents: number | null, approve = true): Promise<string> {
  const drafted = await as(who).post('/projects').send({ title: eAdrese.title, programme: eAdrese.programme, recipient });
  expect(drafted.status, JSON.stringify(drafted.body)).toBe(201);
  const id = drafted.body.projectId;
  const financing =
    totalCents === null
      ? eAdrese.sections.financing
      : buildFinancing({
          totalCents,
          vatCents: 0,
          vatSource: 'not_requested',
          costLines: [{ ...eAdrese.sections.financing!.costLines[0]!, indicativeCents: totalCents, maximumCents: totalCents }],
        });
  await as(who)
    .patch(`/projects/${id}/passport`)
    .set('If-Match', drafted.headers.etag!)
    .send({ ...eAdrese.sections, recipient, financing })
    .expect(200);
  if (!approve) return id;
  await as(who).post(`/projects/${id}/passport/submit`).expect(200);
  await as('janis').post(`/projects/${id}/passport/verify`).send({}).expect(200);
  await as('liga').post(`/projects/${id}/passport/approve`).expect(200);
  return id;
}

const ids: Record<string, string> = {};
beforeAll(async () => {
  app = await createTestApp();
  await seedReferenceData(app.service.context, SEED_DATA, SEED_CALLER);
  const t = (sub: string, roles: string[], org: string) => tokenFor({ sub, roles: roles, org });
  tokens.vraa = bearer(await t('anna', ['beneficiary'], eAdrese.recipient.registrationNumber));
  tokens.kisc = bearer(await t('karina', ['beneficiary'], KISC.registrationNumber));
  tokens.janis = bearer(await t('janis', ['officer'], CFLA));
  tokens.liga = bearer(await t('liga', ['approver'], CFLA));
  ids.eAdrese = await passport('vraa', eAdrese.recipient, null);
  ids.kisc1 = await passport('kisc', KISC, 100_000_000);
  ids.kisc2 = await passport('kisc', KISC, 50_000_000);
  ids.draft = await passport('kisc', KISC, 900_000_000, false);
  await app.service.context.projections.catchUp();
});
afterAll(() => app.close());

const csv = (text: string): Record<string, string>[] => parse(text, { columns: true, skip_empty_lines: true });

describe('open data', () => {
  it('when anyone asks without a token, the list of operations has one row per approved passport with its cohesion fields; drafts are left out', async () => {
    const res = await request(app.service.app).get('/open-data/operations.csv').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv(res.text);
    expect(rows.map((r) => r.project_id).sort()).toEqual([ids.eAdrese, ids.kisc1, ids.kisc2].sort());
    expect(rows.find((r) => r.project_id === ids.eAdrese)).toEqual({
      beneficiary_name: eAdrese.recipient.name,
      beneficiary_id: eAdrese.recipient.registrationNumber,
      operation_name: eAdrese.title.en,
      operation_name_lv: eAdrese.title.lv,
      purpose: eAdrese.sections.objective!.objective,
      start_date: new Date().toISOString().slice(0, 10),
      end_date: '2026-03-31', // the latest ICT implementation quarter, 2026-Q1
      total_cost_eur: '4620000.00',
      eu_cofinancing_rate_percent: '100',
      location_postcode: '',
      location_country: 'LV',
      intervention_field: '',
      fund: 'RRF',
      programme: 'ANM',
      period: '2021-2026',
      measure: '2.1.2.1.i',
      project_id: ids.eAdrese,
    });
  });

  it('when anyone asks for the top RRF recipients, they are ranked by the approved totals summed per recipient', async () => {
    const res = await request(app.service.app).get('/open-data/rrf-top-recipients.csv').expect(200);
    expect(csv(res.text)).toEqual([
      {
        rank: '1',
        recipient_name: eAdrese.recipient.name,
        recipient_id: eAdrese.recipient.registrationNumber,
        projects: '1',
        rrf_amount_eur: '4620000.00',
      },
      { rank: '2', recipient_name: KISC.name, recipient_id: KISC.registrationNumber, projects: '2', rrf_amount_eur: '1500000.00' },
    ]);
  });
});
