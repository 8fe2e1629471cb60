import type { Command } from 'commander';
import { runAttributionCli, ATTRIBUTION_USAGE } from '../analytics/index.ts';

/** Standalone attribution over a file, for analysts; the analytics module parses its own flags. */
export function attributionCommand(program: Command) {
  program.command('attribution')
    .description('attribute conversions to channels over a ChannelAttribution path file or an Omnis event export')
    .helpOption(false)
    .allowUnknownOption(true)
    .argument('[args...]')
    .addHelpText('after', `\n${ATTRIBUTION_USAGE}`)
    .action(async (args: string[]) => {
      process.exitCode = await runAttributionCli(args, { stdout: s => process.stdout.write(s), stderr: s => process.stderr.write(s) });
    });
}
