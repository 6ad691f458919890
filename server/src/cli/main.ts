/**
 * The `weir` command (SPEC §7). Exit codes: 0 done, 1 the input is invalid or the run failed (a message, never a
 * stack trace), 2 the command line itself is wrong (the usage is printed).
 */
import { readFileSync } from 'node:fs';
import { CliFailure, err, HelpRequested, out, UsageError, type Command } from './common.ts';
import { validateCommand } from './validate.ts';
import { simulateCommand } from './simulate.ts';
import { testCommand } from './test.ts';
import { serveCommand } from './serve.ts';
import { produceCommand } from './produce.ts';

const COMMANDS: readonly Command[] = [validateCommand, simulateCommand, testCommand, produceCommand, serveCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: weir COMMAND [ARGS]

Weir builds, simulates and runs stream-processing pipelines (*.weir.json).

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`).join('\n')}

Options:
  -h, --help      show this help; "weir COMMAND --help" shows a command's
  -v, --version   print the version`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(usage());
    return 2;
  }
  if (name === '-h' || name === '--help') {
    out(usage());
    return 0;
  }
  if (name === '-v' || name === '--version') {
    out(`weir ${version()}`);
    return 0;
  }
  if (name === 'help') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    out(topic ? topic.help : usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    err(`weir: ${name.startsWith('-') ? `unknown option "${name}"` : `unknown command "${name}"`}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof HelpRequested) {
      out(command.help);
      return 0;
    }
    if (error instanceof UsageError) {
      err(`weir ${command.name}: ${error.message}\n\n${command.help}`);
      return 2;
    }
    if (error instanceof CliFailure) {
      err(error.message);
      return 1;
    }
    // A bug of ours, not of the input: say so plainly; WEIR_DEBUG=1 shows where.
    const detail = process.env.WEIR_DEBUG ? `\n${(error as Error).stack ?? ''}` : '';
    err(`weir ${command.name}: internal error: ${(error as Error)?.message ?? String(error)}${detail}`);
    return 1;
  }
}

/** Entry of `bin/weir.js`: runs `process.argv` and sets the exit code. */
export async function run(): Promise<void> {
  // `weir simulate … | head` closes our stdout early; that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
