/** `weir validate FILE` (SPEC §7): prints `ok`, or one `path: CODE: message` line per problem and exits 1. */
import { err, out, parseCommandArgs, UsageError, loadPipelineFile, type Command } from './common.ts';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a pipeline file and print every problem',
  help: `Usage: weir validate FILE

Checks a pipeline file (*.weir.json) against the Weir pipeline format and prints "ok",
or one line per problem and exits with status 1:

  nodes[3].params.assigner.sizeMs: E_RANGE: must be a positive integer number of milliseconds

Every problem is reported, not only the first. Each line is a JSON path, a stable code and how to fix it.

Options:
  -h, --help   show this help`,

  run(args) {
    const { positionals } = parseCommandArgs(args);
    if (positionals.length !== 1)
      throw new UsageError(positionals.length === 0 ? 'give the pipeline file to check' : 'give one pipeline file');
    const loaded = loadPipelineFile(positionals[0]!);
    if (loaded.ok) {
      out('ok');
      return 0;
    }
    if (loaded.unreadable) err(loaded.message);
    else for (const line of loaded.lines) out(line);
    return 1;
  },
};
