/**
 * tools/kafka/format.sh, the step of tools/kafka/start.sh that formats a fresh data directory: every cluster id a
 * random draw can give must reach Kafka's storage tool intact, those that start with "-" too (one in 64 did not).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

describe('formatting a fresh broker data directory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-kafka-format-'));

  beforeAll(async () => {
    await run('bash', [join(ROOT, 'tools/kafka/install.sh'), '--quiet'], { cwd: ROOT });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A single-node KRaft configuration like start.sh's, with its log directory under `dir`; never started. */
  function properties(name: string): { file: string; data: string } {
    const data = join(dir, `data-${name}`);
    const file = join(dir, `${name}.properties`);
    writeFileSync(
      file,
      [
        'process.roles=broker,controller',
        'node.id=1',
        'controller.quorum.bootstrap.servers=127.0.0.1:1',
        'listeners=PLAINTEXT://127.0.0.1:2,CONTROLLER://127.0.0.1:1',
        'advertised.listeners=PLAINTEXT://127.0.0.1:2,CONTROLLER://127.0.0.1:1',
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${data}`,
        '',
      ].join('\n'),
    );
    return { file, data };
  }

  // start.sh draws 16 random bytes as base64url: a first byte of 0xf8-0xfb gives a leading "-", 0xfc-0xff a "_".
  const idStartingWith = (firstByte: number) =>
    Buffer.from([firstByte, ...Array.from({ length: 15 }, (_, i) => i * 17)]).toString('base64url');
  for (const [what, clusterId] of [
    ['that starts with "-"', idStartingWith(0xf8)],
    ['that starts with "_"', idStartingWith(0xfc)],
    ['that starts with a letter', idStartingWith(0x00)],
  ] as const) {
    it(`formats with a cluster id ${what}`, async () => {
      const { file, data } = properties(what.replace(/\W+/g, '-'));
      await run('bash', [join(ROOT, 'tools/kafka/format.sh'), file, clusterId], { cwd: ROOT });
      expect(readFileSync(join(data, 'meta.properties'), 'utf8')).toMatch(
        new RegExp(`^cluster\\.id=${clusterId}$`, 'm'),
      );
    });
  }
});
