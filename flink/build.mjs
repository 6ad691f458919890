// Bundles the engine's GraalJS host (flink/js/host.ts and the shared/ engine it imports) into one script for the
// runner jar: flink/target/js/weir-host.js. The UDF compiler's parsers stay out: the runner is handed modules that
// Weir's compiler already compiled, so `sucrase` and `acorn` are replaced by stubs that say so.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(`${here}target/js`, { recursive: true });
const stub = `${here}js/no-compiler.js`;
await build({
  entryPoints: [`${here}js/host.ts`],
  outfile: `${here}target/js/weir-host.js`,
  bundle: true,
  format: 'iife',
  platform: 'neutral',
  target: 'es2022',
  alias: { sucrase: stub, acorn: stub },
  legalComments: 'none',
  logLevel: 'warning',
});
