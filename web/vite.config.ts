/**
 * The web app's build. The app works fully offline: everything it loads, Monaco and its workers included, is
 * bundled here; nothing comes from a CDN.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webRoot = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: webRoot,
  // Relative asset URLs: the same build works wherever the server mounts it.
  base: './',
  plugins: [react()],
  // Monaco's language services run in module workers (`import Worker from '…?worker'`).
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Monaco alone is several megabytes; splitting it further would not make the editor load sooner.
    chunkSizeWarningLimit: 8000,
    // Bundling Monaco's CSS and workers is slow by nature; a timing warning on every build would only be noise.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // The app imports the engine from ../shared and the templates from ../examples.
    fs: { allow: [repoRoot] },
    // With `npm start` running beside it, the dev server's Deploy talks to that server's API.
    proxy: { '/api': `http://127.0.0.1:${process.env.PORT ?? 8080}` },
  },
});
