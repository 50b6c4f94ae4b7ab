import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { externalFonts } from './build/external-fonts.ts';

/**
 * The portal: `npm run build:web` writes web/dist, which the local host serves at the API's
 * URL root and the portal stack uploads to S3. `npm run dev:web` serves it with hot reload,
 * proxying the API (and /config.json) to a local host on 127.0.0.1:8080.
 */
const api = process.env.MARROW_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), externalFonts()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dist/.vite/manifest.json: what each chunk imports, for the bundle-size report. Never
    // served (the local host refuses dot-paths) nor uploaded (the portal stack excludes it).
    manifest: true,
    // Cloudscape's shared runtime is one large chunk by design; the routes are split.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/v1': api, '/config.json': api },
  },
});
