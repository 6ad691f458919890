/**
 * The guest script: guest.ts bundled with the `shared/` engine and the UDF compiler into one self-contained script
 * for an isolate (esbuild, in memory, once per process). A deployment's worker gets the text from the manager.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

let script: Promise<string> | null = null;

export function guestScript(): Promise<string> {
  script ??= bundle();
  return script;
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./guest.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
