import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal; otherwise a line every few seconds, so logs stay readable. */
export function progressBar(label: string, total: number, unit = '') {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      format: `${label} [{bar}] {percentage}% | {value}/{total}${unit} | {eta_formatted} left`, stream: process.stderr, hideCursor: true,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0);
    return { update: (v: number) => bar.update(Math.min(v, total)), stop: () => bar.stop() };
  }
  let last = 0;
  return {
    update(v: number) {
      const now = Date.now();
      if (now - last > 5000) { last = now; process.stderr.write(`${label}: ${v}/${total}${unit}\n`); }
    },
    stop() { process.stderr.write(`${label}: done\n`); },
  };
}
