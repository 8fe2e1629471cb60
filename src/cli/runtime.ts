import { openStore, type Db } from '../store/index.ts';

/** Opens the configured store (DATABASE_URL, else PGlite in OMNIS_DATA_DIR) with a clear message when the folder is taken. */
export async function openConfiguredStore(): Promise<Db> {
  return openStore();
}

export const dataDir = () => process.env.OMNIS_DATA_DIR ?? './.omnis';
export const usingPostgres = () => Boolean(process.env.DATABASE_URL);

export function fail(message: string, code = 2): never {
  process.stderr.write(`omnis: ${message}\n`);
  process.exit(code);
}
