import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, tokenFor } from '../support/auth.js';

let app: TestApp;
let auditor: string;
let admin: string;
let otherAdmin: string;
beforeAll(async () => {
  app = await createTestApp();
  auditor = bearer(await tokenFor({ roles: ['auditor'], sub: 'inese.auditore', org: '90000026419' }));
  admin = bearer(await tokenFor({ roles: ['admin'], sub: 'ilze', org: '90000099999' }));
  otherAdmin = bearer(await tokenFor({ roles: ['admin'], sub: 'oskars', org: '90000088888' }));
});
afterAll(() => app.close());

const http = () => request(app.service.app);
const name = (en: string) => ({ lv: `LV ${en}`, en });

describe('auditor history and time travel', () => {
  it('when a fund was renamed later, its state as of an earlier instant still shows the earlier name', async () => {
    await http()
      .post('/funds')
      .set('Authorization', admin)
      .send({ code: 'TTF', name: name('Old name'), kind: 'eu' })
      .expect(201);
    const [registered] = await app.service.context.store.readStream('fund-TTF');
    await new Promise((r) => setTimeout(r, 5));
    await http()
      .put('/funds/TTF/name')
      .set('Authorization', otherAdmin)
      .set('If-Match', `"${registered!.version}"`)
      .send({ name: name('New name'), reason: 'official name' })
      .expect(200);

    const then = await http()
      .get('/history/streams/fund-TTF')
      .query({ asOf: registered!.recordedAt.toISOString() })
      .set('Authorization', auditor);
    expect(then.status).toBe(200);
    expect(then.body).toMatchObject({ version: 1, state: { status: 'active', name: name('Old name') } });
    expect(then.body.items).toHaveLength(1);
    expect(then.body.nextCursor).toBeNull();

    const now = await http().get('/history/streams/fund-TTF').set('Authorization', auditor);
    expect(now.body).toMatchObject({ version: 2, state: { name: name('New name') } });
    const rename = now.body.items[1];
    expect(rename).toMatchObject({ type: 'FundRenamed.v1', actor: 'oskars', organisation: '90000088888', role: 'admin' });
    expect(rename.requestId).toEqual(expect.any(String));
    expect(rename.changes).toEqual([
      { path: 'name.en', before: 'Old name', after: 'New name' },
      { path: 'name.lv', before: 'LV Old name', after: 'LV New name' },
    ]);
    expect(now.body.items[0].changes).toEqual(expect.arrayContaining([{ path: 'status', before: 'unregistered', after: 'active' }]));
  });

  it('when asOf is in the future or not a date, it answers 422 naming asOf and reads nothing', async () => {
    for (const asOf of ['2999-01-01', 'yesterday', '2024-02-30']) {
      const res = await http().get('/history/streams/fund-TTF').query({ asOf }).set('Authorization', auditor);
      expect(res.status, asOf).toBe(422);
      expect(res.body.errors[0]).toMatchObject({ pointer: '/asOf' });
    }
  });

  it('when the stream did not exist yet at asOf, or never, it answers 404', async () => {
    expect((await http().get('/history/streams/fund-TTF').query({ asOf: '2020-01-01' }).set('Authorization', auditor)).status).toBe(404);
    expect((await http().get('/history/streams/fund-NOPE').set('Authorization', auditor)).status).toBe(404);
  });

  it('when the feed is filtered by actor and type and paged, every matching event comes once, in global order', async () => {
    for (const code of ['FA', 'FB', 'FC']) {
      await http()
        .post('/funds')
        .set('Authorization', otherAdmin)
        .send({ code, name: name(code), kind: 'eu' })
        .expect(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http()
        .get('/history/events')
        .query({ actor: 'oskars', type: 'FundRegistered.v1', limit: 2, ...(cursor ? { cursor } : {}) })
        .set('Authorization', auditor);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((i: { streamId: string }) => i.streamId));
      expect(res.body.items.every((i: { actor: string; type: string }) => i.actor === 'oskars' && i.type === 'FundRegistered.v1')).toBe(
        true,
      );
      cursor = res.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(['fund-FA', 'fund-FB', 'fund-FC']);

    const byOrg = await http().get('/history/events').query({ organisation: '90000099999' }).set('Authorization', auditor);
    expect(byOrg.body.items.map((i: { streamId: string }) => i.streamId)).toEqual(['fund-TTF']);
    const future = await http().get('/history/events').query({ from: '2999-01-01T00:00:00Z' }).set('Authorization', auditor);
    expect(future.body.items).toEqual([]);
  });

  it('when the feed gets a malformed cursor, it answers 400 naming cursor', async () => {
    const res = await http().get('/history/events').query({ cursor: 'page-2' }).set('Authorization', auditor);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ in: 'query', pointer: '/cursor' });
  });
});
