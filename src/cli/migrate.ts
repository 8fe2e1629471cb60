import type { Command } from 'commander';
import { migrate, listMigrations } from '../store/index.ts';
import { openConfiguredStore } from './runtime.ts';

export function migrateCommand(program: Command) {
  program.command('migrate')
    .description('apply the numbered SQL migrations (serve also does this on start)')
    .option('--list', 'list the migrations and exit')
    .action(async o => {
      if (o.list) { for (const m of listMigrations()) process.stdout.write(`${String(m.version).padStart(3, '0')} ${m.name}\n`); return; }
      const db = await openConfiguredStore();
      try {
        const applied = await migrate(db, m => process.stdout.write(`applied ${String(m.version).padStart(3, '0')} ${m.name}\n`));
        if (!applied.length) process.stdout.write('up to date\n');
      } finally { await db.close(); }
    });
}
