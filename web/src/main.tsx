/** Entry point of the web app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles/app.css';
import { App } from './App.tsx';
import { weirStore } from './store/index.ts';
import { documentSession, documentStorage } from './documents/app-session.ts';
import { keepTypeWarnings } from './code/type-warnings.ts';
import { installBenchHook } from './simulation/bench.ts';

// The stored pipelines are read (from IndexedDB) before the first screen, which shows the one last worked on.
await documentStorage.load();
documentSession.start();
// Pending edits are written before the page goes away.
window.addEventListener('pagehide', () => documentSession.flush());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') documentSession.flush();
});
// `window.__weirBench`: the benchmark's way into the simulation (bench/browser.ts).
installBenchHook(weirStore);
// TypeScript checks every code field in the background (Monaco's worker, loaded after the first pause in editing).
keepTypeWarnings(
  {
    document: () => weirStore.getState().document,
    onDocumentChange: (listener) => weirStore.subscribe((s, prev) => s.document !== prev.document && listener()),
    publish: (warnings) => weirStore.getState().setTypeWarnings(warnings),
  },
  () => import('./code/type-check.ts').then((m) => m.checkTypes),
);
// A handle for the browser console and the end-to-end tests: the store is the app's whole state.
// `documentsSaved()` resolves once every write has reached the browser's storage (true when none was refused).
(window as unknown as { weir: { store: typeof weirStore; documentsSaved(): Promise<boolean> } }).weir = {
  store: weirStore,
  documentsSaved: () => documentStorage.settled(),
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
