import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PassportSections, ProgrammeRef, Recipient } from '../../src/domain/passport/content.js';
import type { BilingualName } from '../../src/domain/fund/events.js';

export interface PassportFixture {
  title: BilingualName;
  programme: ProgrammeRef;
  recipient: Recipient;
  sections: Omit<PassportSections, 'recipient'>;
}

/** The VRAA e-adrese passport (shared/seeds/004), transcribed. */
export const eAdrese: PassportFixture = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../fixtures/passport-e-adrese.json'), 'utf8'),
);

/** The seed passport's full sections, with overrides for the one thing a test is about. */
export function buildSections(overrides: Partial<PassportSections> = {}): PassportSections {
  return structuredClone({ recipient: eAdrese.recipient, ...eAdrese.sections, ...overrides });
}

export function buildFinancing(overrides: Partial<NonNullable<PassportSections['financing']>> = {}) {
  return { ...structuredClone(eAdrese.sections.financing!), ...overrides };
}

/** Investment 2.1.2.1.i (shared/seeds/003): 15 centralised ICT platforms by 2026-08-31. */
export const investment2121 = { startDate: '2021-02-01', endDate: '2026-08-31', targetCount: 15, contributedByOthers: 0 };
