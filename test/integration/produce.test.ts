/**
 * `weir produce` writes a pipeline's samples to its source topic, encoded as the source reads them, so a deployed
 * pipeline sees what its simulation saw.
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
let kafka: RunningKafka;
let dir: string;

beforeAll(async () => {
  kafka = await startKafka();
  dir = mkdtempSync(join(tmpdir(), 'weir-produce-'));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await kafka?.stop();
});

describe('weir produce', () => {
  it("writes every record sample of the page-views example to its topic with key, value and timestamp, and skips markers", async () => {
    const topic = `produce-${Date.now().toString(36)}`;
    const doc = JSON.parse(readFileSync('examples/page-views.weir.json', 'utf8'));
    const source = doc.nodes.find((n: { type: string }) => n.type === 'source.kafka');
    source.params.topic = topic;
    source.samples.push({ watermark: 1 }, { value: { user_id: 9, event_type: 'click', ts: 5 }, key: 'u9', timestamp: 777 });
    const file = join(dir, 'pipeline.weir.json');
    writeFileSync(file, JSON.stringify(doc));

    const { stdout } = await run('node', ['bin/weir.js', 'produce', file], { env: { ...process.env, KAFKA_BROKERS: kafka.brokers.join(',') } });
    const records = source.samples.filter((s: object) => 'value' in s);
    expect(stdout.trim()).toBe(`events: ${records.length} records to ${topic} (created with 1 partition)`);

    const consumer = kafkaClient(kafka.brokers).consumer({ groupId: `${topic}-check`, maxWaitTimeInMs: 250 });
    const seen: Array<{ key: string | null; value: unknown; timestamp: string }> = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen.push({ key: message.key?.toString() ?? null, value: JSON.parse(message.value!.toString()), timestamp: message.timestamp });
      },
    });
    const deadline = Date.now() + PATIENCE_MS;
    while (seen.length < records.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();

    expect(seen.map((m) => m.value)).toEqual(records.map((s: { value: unknown }) => s.value));
    expect(seen.at(-1)).toMatchObject({ key: 'u9', timestamp: '777' });
  });
});
