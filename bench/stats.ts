/** Small helpers shared by the side-by-side benchmark runners. */
import { execFile } from 'node:child_process';

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs a command to its end and returns its stdout; rejects with its stderr. */
export function runProcess(command: string, args: string[], options: { cwd: string; what: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${options.what} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** The last line of `stdout` that is a JSON object. */
export function lastJsonLine<T>(stdout: string, what: string): T {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`${what} printed no JSON result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line) as T;
}
