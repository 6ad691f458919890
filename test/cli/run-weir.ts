/** Runs the real `weir` command as a subprocess, the way a user does. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PATIENCE_MS } from '../patience.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface WeirRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function weir(...args: string[]): Promise<WeirRun> {
  return weirWithin(PATIENCE_MS, ...args);
}

/** `weir` for commands that start a JVM (`--engine flink`): a loaded machine may take minutes, never forever. */
export function weirWithin(timeoutMs: number, ...args: string[]): Promise<WeirRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/weir.js', ...args],
      { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

/** A stack trace line as Node prints it. */
export function stackLines(run: WeirRun): string[] {
  return [...lines(run.stdout), ...lines(run.stderr)].filter((line) => line.startsWith('    at '));
}
