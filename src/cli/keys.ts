import type { Command } from 'commander';
import { createKey, listKeys, revokeKey } from '../ingest/index.ts';
import { migrate } from '../store/index.ts';
import { DEFAULT_WORKSPACE, ensureWorkspace } from '../app/index.ts';
import { openConfiguredStore, fail } from './runtime.ts';

export function keysCommand(program: Command) {
  const keys = program.command('keys').description('create, list and revoke write keys (ingest) and admin keys (management API)');
  keys.command('create')
    .description('create a key; its secret is printed once')
    .requiredOption('--kind <kind>', 'write (one per source: web, app, pos, server...) or admin')
    .option('--name <name>', 'a label')
    .option('--source <source>', 'write keys: the source, e.g. web, app, pos, server')
    .option('--channel <channel>', "write keys: default channel of the source's events")
    .option('--rate-limit <n>', 'events per second (default: the server default)', v => Number(v))
    .option('--workspace <id>', 'workspace', DEFAULT_WORKSPACE)
    .action(async o => {
      if (o.kind !== 'write' && o.kind !== 'admin') fail('--kind must be write or admin');
      const db = await openConfiguredStore();
      try {
        await migrate(db);
        await ensureWorkspace(db, o.workspace, o.workspace);
        const { key, secret } = await createKey(db, { workspaceId: o.workspace, kind: o.kind, name: o.name, source: o.source, channel: o.channel ?? o.source, rateLimit: o.rateLimit });
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`created ${key.kind} key ${key.id}${key.source ? ` for source ${key.source}` : ''}; the secret above is not shown again\n`);
      } finally { await db.close(); }
    });
  keys.command('list').description('list keys (never their secrets)').option('--workspace <id>', 'workspace', DEFAULT_WORKSPACE).option('--json', 'print JSON').action(async o => {
    const db = await openConfiguredStore();
    try {
      await migrate(db);
      const list = await listKeys(db, o.workspace);
      if (o.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else for (const k of list) {
        process.stdout.write(`${k.id}\t${k.kind}\t${k.prefix}…\t${k.name}\t${k.source ?? ''}\t${k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active'}\n`);
      }
    } finally { await db.close(); }
  });
  keys.command('revoke <id>').description('revoke a key by its id (see keys list)').option('--workspace <id>', 'workspace', DEFAULT_WORKSPACE).action(async (id, o) => {
    const db = await openConfiguredStore();
    try {
      await migrate(db);
      const k = await revokeKey(db, o.workspace, id, Date.now());
      process.stdout.write(`revoked ${k.id}\n`);
    } finally { await db.close(); }
  });
}
