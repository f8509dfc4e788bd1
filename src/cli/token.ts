import { parseArgs } from 'node:util';
import { signingSecret } from '../auth/keys.js';
import { isRole, ORGANISATION_NUMBER, ROLES } from '../auth/principal.js';
import { signToken } from '../auth/sign.js';
import { ConfigError, loadConfig } from '../config.js';

/**
 * `npm run -s token -- --role beneficiary --org 90001733697 --sub anna [--name "Anna Bērziņa"] [--ttl 8h]`
 * prints a token signed with the secret the service checks (AUTH_JWT_SECRET, else the
 * development secret file), with the issuer and audience it expects. Only the token goes to
 * stdout, so `TOKEN=$(npm run -s token -- …)` works.
 */
const USAGE = `usage: npm run -s token -- --role <role>[,<role>…] --org <11 digits> --sub <user id> [--name <name>] [--ttl 8h]
roles: ${ROLES.join(', ')} (repeat --role or separate with commas)`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string', multiple: true, default: [] },
        org: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string', default: '8h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  const roles = values.role
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  if (roles.length === 0) fail('give at least one --role');
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length) fail(`unknown role(s): ${unknown.join(', ')}`);
  if (!values.org || !ORGANISATION_NUMBER.test(values.org)) fail('--org must be an 11-digit registration number');
  if (!values.sub) fail('give the user id with --sub');

  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const secret = signingSecret(config);
  try {
    const token = await signToken({ sub: values.sub, name: values.name ?? values.sub, org: values.org, roles }, secret, {
      // Plain digits mean seconds; jose would read a bare number as an absolute time.
      ttl: /^\d+$/.test(values.ttl) ? `${values.ttl}s` : values.ttl,
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
    });
    process.stdout.write(`${token}\n`);
  } catch (err) {
    if (err instanceof TypeError) fail(`--ttl: ${err.message}`);
    throw err;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
