/**
 * One Weir server per data directory. Two servers on one WEIR_DATA_DIR would both resume the deployments recorded
 * there, and their workers — same transactional ids, same consumer groups — would fence each other in Kafka for as
 * long as both run. So `weir serve` takes `<dataDir>/server.lock` before it touches anything else in the directory,
 * refuses to start when another live server holds it, and removes it when it stops.
 *
 *   const lock = DataDirLock.acquire(dataDir);   // DataDirLockedError naming the other server's pid
 *   …
 *   lock.release();
 *
 * Why a lock file of our own rather than a library: the one well-kept candidate, proper-lockfile, decides staleness
 * by the lock's mtime, which the holder refreshes on a timer: a server killed with kill -9 would block the next start
 * for its whole stale period (10 s by default), a holder whose event loop stalls longer than that loses its lock, and
 * it records no pid, so the refusal could not say which server holds the directory. What we need is small: the
 * lock is a file created only if absent (a hard link of a fully written temporary file, so it never exists half
 * written), holding the holder's pid, host and process start time. A lock whose process is gone is stale and taken
 * over; whether it is gone is `process.kill(pid, 0)`, and on Linux also the process's start time in /proc, so that a
 * pid reused by an unrelated process after a crash does not pass for the server that held it.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'server.lock';

/** What a lock file says about the server that holds it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** Epoch ms when it took the lock. */
  startedAt: number;
  /** Linux: field 22 of /proc/<pid>/stat (clock ticks since boot), which tells a reused pid from the holder. */
  processStart?: string;
}

/** Another live server holds the data directory. The message is the one `weir serve` prints. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder;

  constructor(dataDir: string, holder: LockHolder) {
    const here = holder.host === hostname();
    super(
      here
        ? `another Weir server (pid ${holder.pid}) is using the data directory ${dataDir}; stop it or set WEIR_DATA_DIR to another directory`
        : `another Weir server (pid ${holder.pid} on host ${holder.host}) is using the data directory ${dataDir}; stop it or set WEIR_DATA_DIR to another directory ` +
            `(this host cannot tell whether that server still runs: if it does not, delete ${join(dataDir, LOCK_FILE)})`,
    );
    this.dataDir = dataDir;
    this.holder = holder;
    this.name = 'DataDirLockedError';
  }
}

/** A lock file that appeared this recently with no readable holder may be mid-write (the fallback without hard links). */
const UNREADABLE_GRACE_MS = 2000;

export class DataDirLock {
  readonly file: string;
  private readonly content: string;

  private released = false;

  private constructor(file: string, content: string) {
    this.file = file;
    this.content = content;
  }

  /**
   * Takes the lock of `dataDir` (created if missing), taking over a stale one. DataDirLockedError when a live server
   * holds it; a file system error (ENOTDIR, EACCES, …) as it is.
   */
  static acquire(dataDir: string): DataDirLock {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, LOCK_FILE);
    const self: LockHolder = { pid: process.pid, host: hostname(), startedAt: Date.now() };
    const start = processStart(process.pid);
    if (start !== null) self.processStart = start;
    const content = JSON.stringify(self) + '\n';
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (Date.now() > deadline)
        throw new Error(`could not take ${file}: it kept changing (other servers starting at the same time?)`);
      if (create(file, content)) return new DataDirLock(file, content);
      const seen = readText(file);
      if (seen === null) continue; // released in the meantime: try again
      const holder = parseHolder(seen);
      if (holder === null && ageMs(file) < UNREADABLE_GRACE_MS) {
        sleep(50);
        continue;
      }
      if (holder !== null && alive(holder)) throw new DataDirLockedError(dataDir, holder);
      takeOver(file, seen);
    }
  }

  /** Removes the lock file if it is still this server's. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (readFileSync(this.file, 'utf8') === this.content) unlinkSync(this.file);
    } catch {
      // Gone already, or the directory with it: nothing to release.
    }
  }
}

/** Creates the lock file with `content` if there is none; false when one exists. */
function create(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, content, { mode: 0o644 });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links (some network and FUSE mounts): create-if-absent with O_EXCL instead.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP')
      return createExclusive(file, content);
    throw err;
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // best effort: a leftover temporary file holds no lock
    }
  }
}

function createExclusive(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock whose text was `seen`. It is renamed aside first (atomic) and checked: if another server took
 * the directory over in between, the lock moved aside is that server's, and it is put back.
 */
function takeOver(file: string, seen: string): void {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  try {
    if (readText(aside) !== seen) linkSync(aside, file);
  } catch {
    // A third server created one meanwhile: the loop finds that one.
  } finally {
    try {
      unlinkSync(aside);
    } catch {
      // best effort
    }
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0 || typeof value.host !== 'string') return null;
    return value as LockHolder;
  } catch {
    return null;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Infinity;
  }
}

/**
 * Whether the server that wrote the lock may still run. Another host's process cannot be looked at: it counts as
 * running. Our own pid is an earlier process of ours (a container's server restarted with the same pid).
 */
function alive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (holder.processStart === undefined) return true;
  const start = processStart(holder.pid);
  return start === null || start === holder.processStart;
}

/** Linux: when the process started (clock ticks since boot); null elsewhere or when it cannot be read. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'. After it come
    // fields 3, 4, …; starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
