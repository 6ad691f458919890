/**
 * A Flink standalone session cluster of the test's own (tools/flink/start.sh with FLINK_STATE_DIR and ports of its
 * own), beside whatever cluster a developer runs on 8081, which is never touched:
 *
 *   const flink = await startFlink({ slots: 4 });   // a fresh state dir under the OS temp dir, free ports
 *   new FlinkCluster(flink.restUrl).submit(…);
 *   flink.killTaskManager();                        // kill -9 of the TaskManager's JVM
 *   await flink.startTaskManager();                 // start.sh again: a new TaskManager, registered
 *   await flink.stop();                             // in afterAll: stop.sh, then the state dir is removed
 *
 * Ports: REST on a free port of 18100-18299 and the JobManager RPC, blob and TaskManager data ports on a free run
 * of three in 16400-16999, chosen at random and probed, so that test files and engineers running clusters of their
 * own at the same time do not collide; a start that loses a race for a port is retried on others.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const START_SH = join(ROOT, 'tools/flink/start.sh');
const STOP_SH = join(ROOT, 'tools/flink/stop.sh');

export interface StartFlinkOptions {
  /** Task slots of the TaskManager (FLINK_TASK_SLOTS). Default 4. */
  slots?: number;
  /** How long one start.sh may take, ms (it waits for the TaskManager's slots). Default 240 s: a loaded 2-core machine. */
  timeoutMs?: number;
}

export interface RunningFlink {
  restUrl: string;
  stateDir: string;
  restPort: number;
  rpcPort: number;
  /** The TaskManager's pid, from the pid file start.sh writes (null when none runs). */
  taskManagerPid(): number | null;
  /** The JobManager's pid, likewise. */
  jobManagerPid(): number | null;
  /** SIGKILL to the TaskManager; resolves with its pid once the process is gone (its ports free again). */
  killTaskManager(): Promise<number>;
  /** start.sh again: starts a new TaskManager if none runs and waits until its slots are registered. */
  startTaskManager(): Promise<void>;
  /** The last lines of the cluster's logs (for failure messages). */
  logTail(lines?: number): string;
  /** stop.sh; the state dir (logs, checkpoints) is removed unless `keep`. */
  stop(options?: { keep?: boolean }): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

async function freePorts(): Promise<{ rest: number; rpc: number }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const rest = 18100 + Math.floor(Math.random() * 200);
    const rpc = 16400 + 3 * Math.floor(Math.random() * 200);
    if ((await portFree(rest)) && (await portFree(rpc)) && (await portFree(rpc + 1)) && (await portFree(rpc + 2)))
      return { rest, rpc };
  }
  throw new Error('no free ports for a Flink cluster in 18100-18299 / 16400-16999');
}

function run(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(
      'bash',
      [script],
      { cwd: ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`bash ${script} failed: ${err.message}\n${stderr}${stdout}`));
        else resolveRun(stdout);
      },
    );
  });
}

/** Running and not a zombie (a killed JVM whose parent has not reaped it yet holds no ports). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function startFlink(options: StartFlinkOptions = {}): Promise<RunningFlink> {
  const slots = options.slots ?? 4;
  const timeoutMs = options.timeoutMs ?? 240_000;
  const stateDir = mkdtempSync(join(tmpdir(), 'weir-flink-test-'));
  let env: NodeJS.ProcessEnv = {};
  let ports = { rest: 0, rpc: 0 };
  for (let attempt = 1; ; attempt++) {
    ports = await freePorts();
    env = {
      ...process.env,
      FLINK_STATE_DIR: stateDir,
      FLINK_REST_PORT: String(ports.rest),
      FLINK_RPC_PORT: String(ports.rpc),
      FLINK_TASK_SLOTS: String(slots),
      FLINK_START_TIMEOUT: String(Math.ceil(timeoutMs / 1000) - 10),
    };
    try {
      await run(START_SH, env, timeoutMs);
      break;
    } catch (err) {
      // Lost a race for a port to another cluster starting at the same moment: try other ports.
      if (attempt < 3 && /is in use/.test((err as Error).message)) continue;
      await run(STOP_SH, env, 60_000).catch(() => '');
      rmSync(stateDir, { recursive: true, force: true });
      throw err;
    }
  }
  const pidFile = join(stateDir, 'taskmanager-1.pid');
  const pidIn = (file: string): number | null => {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  let stopped = false;
  const flink: RunningFlink = {
    restUrl: `http://127.0.0.1:${ports.rest}`,
    stateDir,
    restPort: ports.rest,
    rpcPort: ports.rpc,
    taskManagerPid: () => pidIn(pidFile),
    jobManagerPid: () => pidIn(join(stateDir, 'jobmanager.pid')),
    async killTaskManager() {
      const pid = flink.taskManagerPid();
      if (pid === null) throw new Error(`no TaskManager pid in ${pidFile}`);
      // Only the TaskManager of this cluster (its JVM names this cluster's conf dir), never a recycled pid.
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      } catch {
        // gone already, or not Linux
      }
      if (!cmdline.includes(`--configDir ${join(stateDir, 'conf')} `))
        throw new Error(`pid ${pid} is not this cluster's TaskManager (${cmdline.slice(0, 200) || 'not running'})`);
      process.kill(pid, 'SIGKILL');
      const deadline = Date.now() + 60_000;
      while (alive(pid)) {
        if (Date.now() > deadline) throw new Error(`the TaskManager (pid ${pid}) is still there 60 s after SIGKILL`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // A JVM's main thread can be a zombie while its other threads are still exiting, and its sockets close only
      // when the last thread has gone: wait until its data port (FLINK_RPC_PORT+2) can be bound again.
      const dataPort = ports.rpc + 2;
      while (!(await portFree(dataPort))) {
        if (Date.now() > deadline)
          throw new Error(`port ${dataPort} of the killed TaskManager (pid ${pid}) is still bound 60 s after SIGKILL`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return pid;
    },
    async startTaskManager() {
      await run(START_SH, env, timeoutMs);
    },
    logTail(lines = 30) {
      return ['jobmanager.log', 'taskmanager-1.log']
        .map((f) => `---- ${join(stateDir, 'log', f)} ----\n${tail(join(stateDir, 'log', f), lines)}`)
        .join('\n');
    },
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      await run(STOP_SH, env, 90_000);
      if (!stopOptions.keep) rmSync(stateDir, { recursive: true, force: true });
    },
  };
  return flink;
}
