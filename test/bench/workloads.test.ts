import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { PipelineDoc } from '../../shared/index.ts';
import { runTest } from '../../server/src/cli/test.ts';
import { bytesChecksum } from '../../bench/checksum.ts';
import { runFlink } from '../../bench/flink.ts';
import { generateEvents, runWorkload, WORKLOAD_NAMES } from '../../bench/workloads.ts';

// 20 000 events (20 s of event time over 100 000 users): thousands of outputs per workload, in seconds.
const EVENTS = 20_000;

describe('benchmark workloads', () => {
  it.each(WORKLOAD_NAMES)(
    'the %s pipeline passes its own hand-derived tests, also with a checkpoint and restore after every sample',
    async (name) => {
      const doc = JSON.parse(
        readFileSync(new URL(`../../bench/workloads/${name}.weir.json`, import.meta.url), 'utf8'),
      ) as PipelineDoc;
      expect(doc.tests?.length).toBeGreaterThan(0);
      for (const test of doc.tests!) {
        expect(await runTest(doc, test)).toEqual([]);
        expect(await runTest(doc, test, 1)).toEqual([]);
      }
    },
  );

  it('Weir and Flink read the same events and produce the same output count and checksum on every workload', async () => {
    const input = generateEvents(EVENTS);
    const flink = await runFlink(WORKLOAD_NAMES, EVENTS);
    const inputChecksum = bytesChecksum(input.bytes, input.offsets, input.count);
    for (const [i, name] of WORKLOAD_NAMES.entries()) {
      const weir = runWorkload(name, input);
      expect(flink[i]!.workload).toBe(name);
      expect(flink[i]!.inputChecksum).toBe(inputChecksum);
      expect(weir.outputs).toBeGreaterThan(0);
      expect({ workload: name, outputs: weir.outputs, checksum: weir.checksum }).toEqual({
        workload: name,
        outputs: flink[i]!.outputs,
        checksum: flink[i]!.checksum,
      });
    }
  });
});
