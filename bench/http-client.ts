import { signToken } from '../src/auth/sign.js';
import { eAdrese } from '../test/support/passport-builders.js';

/** The secret the benchmarks' services check tokens against (never deployed). */
export const BENCH_SECRET = 'bench-only-secret-never-deployed-0123456789';
export const VRAA = eAdrese.recipient.registrationNumber;
export const CFLA = '90009963334';
/** The seed passport's total plus its VAT, split as the budget opens it. */
export const SHARES = [
  { fund: 'RRF', cents: 462000000 },
  { fund: 'STATE', cents: 77616000 },
];

/** Bearer tokens of anna (VRAA's beneficiary), janis (a CFLA officer) and liga (a CFLA approver). */
export async function benchPeople(secretText = BENCH_SECRET) {
  const secret = new TextEncoder().encode(secretText);
  const token = async (sub: string, role: string, org: string) =>
    `Bearer ${await signToken({ sub, name: sub, org, roles: [role] }, secret)}`;
  return {
    anna: await token('anna', 'beneficiary', VRAA),
    janis: await token('janis', 'officer', CFLA),
    liga: await token('liga', 'approver', CFLA),
  };
}

export type People = Awaited<ReturnType<typeof benchPeople>>;

/** A request to the service at `base` as one of `people`; a JSON body unless it is a Buffer; anything but 2xx throws. */
export function benchClient(base: string, people: People) {
  return async (who: keyof People, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: people[who],
        ...(body !== undefined && !Buffer.isBuffer(body) ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as Record<string, unknown> };
  };
}

/** An approved project (the seed passport: anna drafts and submits, janis verifies, liga approves) with its budget open; its id. */
export async function givenApprovedBudget(call: ReturnType<typeof benchClient>): Promise<string> {
  const drafted = await call('anna', 'POST', '/projects', {
    title: eAdrese.title,
    programme: eAdrese.programme,
    recipient: eAdrese.recipient,
  });
  const projectId = drafted.body.projectId as string;
  await call('anna', 'PATCH', `/projects/${projectId}/passport`, eAdrese.sections, { 'If-Match': drafted.headers.get('etag')! });
  await call('anna', 'POST', `/projects/${projectId}/passport/submit`);
  await call('janis', 'POST', `/projects/${projectId}/passport/verify`, {});
  await call('liga', 'POST', `/projects/${projectId}/passport/approve`);
  await call('janis', 'POST', `/projects/${projectId}/budget`, { shares: SHARES, vatRecoverable: false });
  return projectId;
}
