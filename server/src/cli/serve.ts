/** `weir serve` (SPEC §7): starts the server, what `npm start` runs. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CliFailure, parseCommandArgs, UsageError, type Command } from './common.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the Weir server (editor, API and deployments)',
  help: `Usage: weir serve

Starts the Weir server: the editor in the browser, the HTTP API and the deployments. Configuration comes from the
environment (see README.md); KAFKA_BROKERS points it at a Kafka cluster.

Options:
  -h, --help   show this help`,

  async run(args) {
    const { positionals } = parseCommandArgs(args);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    // Loaded only when asked for, so that validate, simulate and test never load the server's dependencies.
    const entry = new URL('../main.ts', import.meta.url);
    if (!existsSync(fileURLToPath(entry))) throw new CliFailure('the server is missing from this installation (server/src/main.ts)');
    const server = (await import(entry.href)) as { serve?: () => unknown };
    if (typeof server.serve !== 'function') throw new CliFailure('server/src/main.ts does not export serve()');
    await server.serve();
    return 0;
  },
};
