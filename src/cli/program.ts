import { Command } from 'commander';
import { serveCommand } from './serve.ts';
import { keysCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { importCommand } from './import.ts';
import { attributionCommand } from './attribution.ts';
import { simulateCommand } from './simulate.ts';

/** The `omnis` command with every subcommand; main.ts parses the process's arguments with it. */
export function buildProgram(): Command {
  const program = new Command('omnis')
    .description('Omnis: one profile per customer across every channel')
    .version('0.1.0')
    .showHelpAfterError();
  serveCommand(program);
  importCommand(program);
  keysCommand(program);
  migrateCommand(program);
  attributionCommand(program);
  simulateCommand(program);
  return program;
}
