export { forEachStore, openTestDb, postgresProblem, TEST_PG_URL, type TestDb } from './stores.ts';
export { startTestOmnis, profileOf, type TestOmnis } from './omnis.ts';
export { startServerProcess, runCli, newDataDir, OMNIS_BIN, type ServerProcess } from './process.ts';
export { advanceTo } from './advance.ts';
export { migratedBefore } from './migrations.ts';
export { signIn, asUser, type TestSession } from './session.ts';
