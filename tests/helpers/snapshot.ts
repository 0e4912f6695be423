import type { Queryable } from "../../server/db/db";

/** The service's tables (everything in `public`), for tests that look at what was stored. */
export async function tableNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  return rows.map((r) => r.name);
}

/** Row counts of every table, to show that a refused request stored nothing. */
export async function rowCounts(db: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of await tableNames(db)) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${name}"`);
    out[name] = Number(rows[0].n);
  }
  return out;
}

/** Every row of every table as text, to search the whole database for a value. */
export async function dumpText(db: Queryable): Promise<string> {
  const parts: string[] = [];
  for (const name of await tableNames(db)) {
    const { rows } = await db.query<{ r: string }>(`SELECT t::text AS r FROM "${name}" t`);
    parts.push(...rows.map((r) => `${name}: ${r.r}`));
  }
  return parts.join("\n");
}
