/**
 * `weir produce` writes a pipeline's samples to its source topic, encoded as the source reads them, so a deployed
 * pipeline sees what its simulation saw. Large inputs go out in sends that fit, in order within each partition, with
 * progress on stderr; a record too large for the topic is refused before anything is written.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKafka, kafkaClient, type RunningKafka } from './support/kafka.ts';
import { PATIENCE_MS } from '../patience.ts';

const run = promisify(execFile);
/** The broker of the tests that write tens of thousands of records: their own, not the shared one on 19092. */
const BATCH_KAFKA_PORT = 19492;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weir-produce-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the page-views example whose source writes to `topic`, with `samples` if given; returns its file. */
function pipelineFile(topic: string, samples?: unknown[]): string {
  const doc = JSON.parse(readFileSync('examples/page-views.weir.json', 'utf8'));
  const source = doc.nodes.find((n: { type: string }) => n.type === 'source.kafka');
  source.params.topic = topic;
  if (samples) source.samples = samples;
  const file = join(dir, `${topic}.weir.json`);
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

describe('weir produce', () => {
  let kafka: RunningKafka;

  beforeAll(async () => {
    kafka = await startKafka();
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  it('writes every record sample of the page-views example to its topic with key, value and timestamp, and skips markers', async () => {
    const topic = `produce-${Date.now().toString(36)}`;
    const doc = JSON.parse(readFileSync('examples/page-views.weir.json', 'utf8'));
    const source = doc.nodes.find((n: { type: string }) => n.type === 'source.kafka');
    source.params.topic = topic;
    source.samples.push(
      { watermark: 1 },
      { value: { user_id: 9, event_type: 'click', ts: 5 }, key: 'u9', timestamp: 777 },
    );
    const file = join(dir, 'pipeline.weir.json');
    writeFileSync(file, JSON.stringify(doc));

    const { stdout } = await run('node', ['bin/weir.js', 'produce', file], {
      env: { ...process.env, KAFKA_BROKERS: kafka.brokers.join(',') },
    });
    const records = source.samples.filter((s: object) => 'value' in s);
    expect(stdout.trim()).toBe(`events: ${records.length} records to ${topic} (created with 1 partition)`);

    const consumer = kafkaClient(kafka.brokers).consumer({ groupId: `${topic}-check`, maxWaitTimeInMs: 250 });
    const seen: Array<{ key: string | null; value: unknown; timestamp: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({
          key: message.key?.toString() ?? null,
          value: JSON.parse(message.value!.toString()),
          timestamp: message.timestamp,
        });
      },
    });
    const deadline = Date.now() + PATIENCE_MS;
    while (seen.length < records.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();

    expect(seen.map((m) => m.value)).toEqual(records.map((s: { value: unknown }) => s.value));
    expect(seen.at(-1)).toMatchObject({ key: 'u9', timestamp: '777' });
  });
});

describe('weir produce in batches', () => {
  let kafka: RunningKafka;

  beforeAll(async () => {
    kafka = await startKafka({ port: BATCH_KAFKA_PORT });
  });

  afterAll(async () => {
    await kafka?.stop();
  });

  /** Runs `weir produce`; resolves with its exit code and output whether it succeeds or not. */
  function produce(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/weir.js', 'produce', ...args],
        {
          env: { ...process.env, KAFKA_BROKERS: kafka.brokers.join(','), ...env },
          timeout: PATIENCE_MS,
          maxBuffer: 64 * 1024 * 1024,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      );
    });
  }

  it('writes 20 000 records of about 100 bytes from a JSON Lines file, all of them, in order within each partition, with progress on stderr', async () => {
    const topic = `produce-many-${Date.now().toString(36)}`;
    const count = 20_000;
    // Two partitions, with over a megabyte each: more than one send (or record batch) of a partition can carry. The
    // even records say no partition, which is partition 0.
    const partitions = 2;
    const input = join(dir, `${topic}.jsonl`);
    const lines: string[] = [];
    for (let seq = 0; seq < count; seq++) {
      const value = {
        user_id: seq % 500,
        event_type: 'page_view',
        page_url: `/products/item-${String(seq).padStart(6, '0')}`,
        ts: 1_000 + seq,
        seq,
      };
      lines.push(
        JSON.stringify({
          value,
          key: `u${seq % 500}`,
          timestamp: 1_000 + seq,
          ...(seq % 2 === 1 ? { partition: 1 } : {}),
        }),
      );
    }
    writeFileSync(input, lines.join('\n') + '\n');

    // A progress line after every acknowledged send, so that one shows however fast the run is.
    const result = await produce([pipelineFile(topic), '--input', `events=${input}`], {
      WEIR_PROGRESS_INTERVAL_MS: '0',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`events: ${count} records to ${topic} (created with ${partitions} partitions)`);
    const progress = result.stderr
      .split('\n')
      .map((line) => /^produced ([\d ]+) of 20 000 records to (\S+) \([\d ]+\/s\)$/.exec(line))
      .filter((m) => m !== null);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((m) => m[2] === topic)).toBe(true);
    expect(Number(progress[0]![1]!.replace(/ /g, ''))).toBeLessThan(count);
    expect(result.stderr).toMatch(new RegExp(`^produced 20 000 records to ${topic} in [\\d.]+ s`, 'm'));

    const seen: number[][] = Array.from({ length: partitions }, () => []);
    const consumer = kafkaClient(kafka.brokers).consumer({ groupId: `${topic}-check`, maxWaitTimeInMs: 250 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let total = 0;
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) seen[batch.partition]!.push(JSON.parse(message.value!.toString()).seq);
        total += batch.messages.length;
      },
    });
    const deadline = Date.now() + PATIENCE_MS;
    while (total < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();

    // Exactly the records, no duplicate beside them: the partitions end where the count says.
    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(ends.map((o) => Number(o.high)).reduce((a, b) => a + b, 0)).toBe(count);

    for (let p = 0; p < partitions; p++) {
      const expected = Array.from({ length: count }, (_, seq) => seq).filter((seq) => seq % partitions === p);
      expect(seen[p]).toEqual(expected);
    }
  });

  it('refuses a record larger than the topic takes, naming its line or sample, and writes nothing', async () => {
    const small = (n: number) => JSON.stringify({ value: { user_id: n, event_type: 'click', ts: n } });
    const huge = JSON.stringify({ value: { user_id: 9, event_type: 'click', blob: 'x'.repeat(1_200_000), ts: 9 } });

    const topic = `produce-huge-${Date.now().toString(36)}`;
    const input = join(dir, `${topic}.jsonl`);
    writeFileSync(input, [small(1), small(2), huge, small(3)].join('\n') + '\n');
    const fromFile = await produce([pipelineFile(topic), '--input', `events=${input}`]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stdout).toBe('');
    expect(fromFile.stderr).toContain(`weir produce: ${input}:3: this record is too large for Kafka`);
    expect(fromFile.stderr).toMatch(/more than the [\d ]+ bytes .*; nothing was written/);

    const fromSamples = await produce([
      pipelineFile(`${topic}-s`, [JSON.parse(small(1)), { watermark: 5 }, JSON.parse(huge)]),
    ]);
    expect(fromSamples.code).toBe(1);
    expect(fromSamples.stderr).toContain(`: nodes[0].samples[2]: this record is too large for Kafka`);

    const admin = kafkaClient(kafka.brokers).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(topic);
    expect(topics).not.toContain(`${topic}-s`);
  });
});
