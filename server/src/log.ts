/**
 * The server's log (pino): one JSON line per event on stderr, `{"level":"warn","time":"…","deployment":"…","msg":"…"}`.
 * stdout stays the user's: what `weir serve` says at start (the address to open) and what the CLI commands print are
 * plain text, not log lines. Each deployment logs through `logger.child({ deployment: id })`.
 *
 * The level comes from WEIR_LOG_LEVEL (default info; config.ts refuses a level pino does not know). Under Vitest (and
 * in the servers its tests spawn, which inherit VITEST) the default is silent: tests start managers whose deployments
 * fail and restart on purpose, and assert on what they log through a logger of their own (`loggerTo`, the managers'
 * `log` option) or set WEIR_LOG_LEVEL, rather than read the terminal.
 */
import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLogLevel(value: string): value is Level | 'silent' {
  return LOG_LEVELS.includes(value);
}

function defaultLevel(env: NodeJS.ProcessEnv): string {
  const chosen = env.WEIR_LOG_LEVEL?.trim();
  if (chosen && isLogLevel(chosen)) return chosen;
  return env.VITEST ? 'silent' : 'info';
}

/** A logger in the server's format, to `destination` (default stderr, written synchronously so no line is lost at exit). */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? defaultLevel(process.env),
      // Level names and ISO times read better in a terminal than numbers; pid and hostname say nothing there.
      base: null,
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A line as pino wrote it: its level's name, its message and the fields of the logger and the call. */
export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A logger in the server's format that hands each line, parsed, to `listener` (level info and up). */
export function loggerTo(listener: (line: LogLine) => void): Logger {
  return createLogger({ level: 'info', destination: { write: (text) => listener(JSON.parse(text) as LogLine) } });
}

/** The server's one logger. */
export const logger: Logger = createLogger();
