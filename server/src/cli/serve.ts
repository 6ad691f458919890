/** `weir serve` (SPEC §7): starts the server, what `npm start` runs. */
import { parseCommandArgs, UsageError, type Command } from './common.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the Weir server (editor, API and deployments)',
  help: `Usage: weir serve

Starts the Weir server: the editor in the browser, the HTTP API and the deployments. Configuration comes from the
environment (see README.md); KAFKA_BROKERS points it at a Kafka cluster, otherwise a local broker is started.
Ctrl-C stops the deployments with a savepoint and exits. One server at a time may use a data directory
(WEIR_DATA_DIR): a second one on the same directory is refused and names the server that holds it.

Options:
  -h, --help   show this help`,

  async run(args) {
    const { positionals } = parseCommandArgs(args);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    // Loaded only when asked for, so that validate, simulate and test never load the server and its dependencies.
    const { serve } = await import('../main.ts');
    await serve();
    return 0;
  },
};
