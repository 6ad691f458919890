import { describe, it, expect } from 'vitest';
import { simulate } from '../../../shared/engine/simulation.ts';
import { PipelineFailure } from '../../../shared/engine/operator.ts';
import type { ErrorPolicy, RecordSample, Sample } from '../../../shared/pipeline/types.ts';
import { pipeline, run, sink, source, triples } from './pipelines.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';

/** One source with the given timestamp param, its `out` to sink `out` and its `error` port to sink `errors`. */
function timed(samples: Sample[], timestamp: Record<string, unknown>, onError?: ErrorPolicy) {
  const src = { ...source('events', samples, { timestamp }), ...(onError === undefined ? {} : { onError }) };
  return pipeline(
    [src, sink('out'), sink('errors')],
    [
      { from: 'events', to: 'out' },
      { from: 'events', fromPort: 'error', to: 'errors' },
    ],
  );
}

describe('source event time', () => {
  it('takes the Kafka timestamp by default (in samples, the sample timestamp)', () => {
    const outputs = run(
      timed(
        [
          { timestamp: 1500, value: 'a', key: 'k' },
          { timestamp: 700, value: 'b' },
        ],
        { from: 'kafka' },
      ),
    );
    expect(triples(outputs)).toEqual([
      ['k', 'a', 1500],
      [null, 'b', 700],
    ]);
  });

  it('reads milliseconds from a field given as a dot path', () => {
    const samples: Sample[] = [{ value: { meta: { time: 1234 } } }, { value: { meta: { time: 99 } }, timestamp: 5000 }];
    const outputs = run(timed(samples, { from: 'field', field: 'meta.time' }));
    expect(outputs.map((o) => o.timestamp)).toEqual([1234, 99]);
  });

  it('reads seconds from a field with format "s", keeping fractions down to the millisecond', () => {
    const outputs = run(
      timed([{ value: { ts: 12 } }, { value: { ts: 1.5 } }, { value: { ts: 1700000000.25 } }], {
        from: 'field',
        field: 'ts',
        format: 's',
      }),
    );
    expect(outputs.map((o) => o.timestamp)).toEqual([12_000, 1500, 1_700_000_000_250]);
  });

  it('reads ISO-8601 dates from a field with format "iso", honouring the offset', () => {
    const samples: Sample[] = [
      { value: { at: '2024-01-01T00:00:00Z' } },
      { value: { at: '2024-01-01T01:00:00.250+01:00' } },
    ];
    const outputs = run(timed(samples, { from: 'field', field: 'at', format: 'iso' }));
    expect(outputs.map((o) => o.timestamp)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 0, 0, 250)]);
  });

  it('reads ISO text without an offset as UTC whatever the host time zone, and refuses non-ISO date forms', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const samples: Sample[] = [
        { value: { at: '2024-01-01T00:00:00' } },
        { value: { at: '2024-01-01 00:00:00.5' } },
        { value: { at: '2024-01-01' } },
        { value: { at: 'January 1, 2024' } },
      ];
      const outputs = run(timed(samples, { from: 'field', field: 'at', format: 'iso' }, 'route'));
      expect(triples(outputs, 'out').map(([, , ts]) => ts)).toEqual([
        Date.UTC(2024, 0, 1),
        Date.UTC(2024, 0, 1, 0, 0, 0, 500),
        Date.UTC(2024, 0, 1),
      ]);
      expect(outputs.filter((o) => o.sink === 'errors').map((o) => (o.value as { input: unknown }).input)).toEqual([
        { at: 'January 1, 2024' },
      ]);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  const broken: Array<[string, RecordSample, Record<string, unknown>, RegExp]> = [
    [
      'a missing field',
      { value: { other: 1 }, key: 'k', timestamp: 40 },
      { from: 'field', field: 'ts' },
      /field "ts" is missing/,
    ],
    [
      'a string in a millisecond field',
      { value: { ts: '1000' }, key: 'k', timestamp: 40 },
      { from: 'field', field: 'ts' },
      /"ts" is not a finite number/,
    ],
    [
      'a number in an ISO field',
      { value: { ts: 1000 }, key: 'k', timestamp: 40 },
      { from: 'field', field: 'ts', format: 'iso' },
      /not an ISO-8601 date/,
    ],
    [
      'text that is not a date',
      { value: { ts: 'yesterday' }, key: 'k', timestamp: 40 },
      { from: 'field', field: 'ts', format: 'iso' },
      /not an ISO-8601 date/,
    ],
    ['no Kafka timestamp', { value: { ts: 1 }, key: 'k' }, { from: 'kafka' }, /no timestamp/],
  ];

  for (const [what, bad, timestamp, message] of broken) {
    it(`routes a record with ${what} to the error port as { error, node, input }, keeping its key`, () => {
      const good: Sample = {
        value: { ts: timestamp.format === 'iso' ? '1970-01-01T00:00:00.010Z' : 10 },
        timestamp: 10,
      };
      const outputs = run(timed([bad, good], timestamp, 'route'));
      expect(triples(outputs, 'out')).toHaveLength(1);
      const errors = outputs.filter((o) => o.sink === 'errors');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.key).toBe('k');
      expect(errors[0]!.value).toEqual({ error: expect.stringMatching(message), node: 'events', input: bad.value });
      if (bad.timestamp !== undefined) expect(errors[0]!.timestamp).toBe(bad.timestamp);
    });
  }

  it('skips records without event time, counting them, and they do not move the watermark', () => {
    const watermarks: number[] = [];
    const result = simulate(
      timed(
        [{ value: { ts: 100 } }, { value: { ts: 'late' }, timestamp: 9_999 }, { value: {} }, { value: { ts: 50 } }],
        { from: 'field', field: 'ts' },
        'skip',
      ),
      {
        operators: OPERATORS,
        observer: { watermark: (id, wm) => id === 'events' && watermarks.push(wm) },
      },
    );
    expect(result.outputs.map((o) => o.value)).toEqual([{ ts: 100 }, { ts: 50 }]);
    expect(result.engine.metrics().events!.errors).toBe(2);
    expect(watermarks).toEqual([99, Infinity]);
  });

  it('stops the simulation under onError "fail" with a PipelineFailure naming the node and the record', () => {
    const doc = timed([{ value: { ts: 1 } }, { value: { id: 7 } }, { value: { ts: 3 } }], {
      from: 'field',
      field: 'ts',
    });
    let failure: unknown;
    try {
      simulate(doc, { operators: OPERATORS });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeInstanceOf(PipelineFailure);
    const f = failure as PipelineFailure;
    expect(f.nodeId).toBe('events');
    expect(f.input).toEqual({ id: 7 });
    expect(f.message).toMatch(/node "events" failed: .*field "ts" is missing.*\{"id":7\}/);
  });
});
