import request from 'supertest';
import type { Role } from '../../src/auth/principal.js';
import { seedReferenceData } from '../../src/application/seed-reference-data.js';
import { SEED_DATA } from '../../src/cli/seed-data.js';
import { createTestApp, type TestApp } from './app.js';
import { bearer, tokenFor } from './auth.js';
import { buildMetadata } from './builders.js';

/** The real service on its own database with the seed command's reference data loaded. */
export async function createSeededApp(): Promise<TestApp> {
  const app = await createTestApp();
  await seedReferenceData(app.service.context.store, SEED_DATA, buildMetadata({ actor: 'system:seed', role: 'admin', roles: ['admin'] }));
  return app;
}

/** Bearer tokens for the people of a test: name → [user id, roles, organisation]. */
export async function castOf(cast: Record<string, readonly [string, readonly Role[], string]>): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(cast).map(async ([name, [sub, roles, org]]) => [name, bearer(await tokenFor({ sub, roles: [...roles], org }))] as const),
  );
  return Object.fromEntries(entries);
}

/** `as('anna').post(url)`: a request carrying that person's token. */
export function caller(app: () => TestApp, tokens: Record<string, string>) {
  return (who: string) => ({
    get: (url: string) => request(app().service.app).get(url).set('Authorization', tokens[who]!),
    post: (url: string) => request(app().service.app).post(url).set('Authorization', tokens[who]!),
    patch: (url: string) => request(app().service.app).patch(url).set('Authorization', tokens[who]!),
    put: (url: string) => request(app().service.app).put(url).set('Authorization', tokens[who]!),
  });
}
