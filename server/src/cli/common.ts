/**
 * What the `weir` commands share: the command shape, argument parsing that turns every mistake into a usage error
 * (exit 2), and reading a pipeline file into either a document or the coded lines SPEC §1 prints.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatProblem, parsePipelineText, type PipelineDoc } from '../../../shared/index.ts';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  run(args: string[]): number | Promise<number>;
}

/** Wrong use of the command line: the command's usage is printed and the exit code is 2. */
export class UsageError extends Error {}

/** `-h`/`--help` was given: the command's help is printed and the exit code is 0. */
export class HelpRequested extends Error {}

/** A failure the user can act on: its message is printed as it is (no stack trace) and the exit code is 1. */
export class CliFailure extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(args: string[], options: Options = {}): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as ParsedArgs;
  } catch (error) {
    if (args.includes('--help') || args.includes('-h')) throw new HelpRequested();
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  if (parsed.values.help) throw new HelpRequested();
  return parsed;
}

export function out(line: string): void {
  process.stdout.write(line + '\n');
}

export function err(line: string): void {
  process.stderr.write(line + '\n');
}

export type LoadedPipeline =
  | { ok: true; pipeline: PipelineDoc }
  | { ok: false; unreadable: true; message: string }
  | { ok: false; unreadable: false; lines: string[] };

/** Reads and validates a pipeline file; never throws. */
export function loadPipelineFile(file: string): LoadedPipeline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, unreadable: true, message: `${file}: ${readFailure(error)}` };
  }
  const result = parsePipelineText(text);
  if (result.ok) return { ok: true, pipeline: result.pipeline };
  return { ok: false, unreadable: false, lines: result.problems.map(formatProblem) };
}

/** Reads a whole file as text, or fails with a message that names it. */
export function readTextFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliFailure(`${file}: ${readFailure(error)}`);
  }
}

/** Why a file could not be read, in words ("cannot read: no such file"). */
export function readFailure(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'cannot read: no such file';
    case 'EISDIR':
      return 'cannot read: it is a directory; give a pipeline file (*.weir.json)';
    case 'EACCES':
      return 'cannot read: permission denied';
    default:
      return `cannot read: ${(error as Error).message}`;
  }
}
