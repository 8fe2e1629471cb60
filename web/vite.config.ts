import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The console is built into web/dist and served by `omnis serve` at `/`.
// `npm run dev:web` proxies the API to a running server on OMNIS_URL (default :3000).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 900 },
  server: { proxy: { '/api': process.env.OMNIS_URL ?? 'http://127.0.0.1:3000', '/v1': process.env.OMNIS_URL ?? 'http://127.0.0.1:3000' } },
});
