import pg from 'pg';

/** Creates `database` on the server behind `adminUrl` unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string, template?: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (exists.rowCount === 0) {
      const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;
      await client.query(
        `create database ${ident(database)}${template ? ` template ${ident(template)}` : ''}`,
      );
    }
  } finally {
    await client.end();
  }
}

export function createPool(connectionString: string, max: number, onError?: (e: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'grants-backend' });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", (e) => onError?.(e));
  return pool;
}
