#!/usr/bin/env node
// Builds the console (web/) into web/dist when it is missing or older than its sources,
// so `npm start` and `npm test` always serve the console of this checkout.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web', import.meta.url));
const built = join(web, 'dist', 'index.html');

function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map(n => newest(join(p, n))));
}
const sources = ['src', 'index.html', 'vite.config.ts'].map(n => join(web, n)).filter(existsSync);
const stale = !existsSync(built) || Math.max(...sources.map(newest)) > statSync(built).mtimeMs || process.argv.includes('--force');
if (stale) {
  process.stdout.write('building the console (web/)…\n');
  const { build } = await import('vite');
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: process.env.CI ? 'warn' : 'info' });
  compress(join(web, 'dist'));
}

/** Brotli and gzip copies beside each text asset, which `omnis serve` sends to browsers that take them. */
function compress(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { compress(p); continue; }
    if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
    const data = readFileSync(p);
    writeFileSync(`${p}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${p}.gz`, gzipSync(data, { level: 9 }));
  }
}
