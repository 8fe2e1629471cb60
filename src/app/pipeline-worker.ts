import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.ts';
import { runPipelineThread, type PipelineThreadData } from './pipeline-guest.ts';

// Entry of the pipeline thread (bus/thread.ts) with a Postgres server: its own connections, the same stages.
const { databaseUrl, schema, preparedStatements, ...data } = workerData as PipelineThreadData & { databaseUrl: string; schema?: string; preparedStatements?: boolean };
const db = await openStore({ databaseUrl, schema, preparedStatements, poolSize: 4 });
await runPipelineThread(db, parentPort!, data, async () => { await db.close(); process.exit(0); });
