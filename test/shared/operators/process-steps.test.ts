import { describe, it } from 'vitest';
import { checkSteps, emitted, endOfInput, out, processingTime, record, watermark } from '../harness.ts';

const code = `
  export function processElement(value: { n: number; at?: number; pt?: number; unAt?: number; unPt?: number }, ctx: ProcessContext) {
    const total = ctx.state.value<number>('total', 0);
    total.set(total.get() + value.n);
    if (value.at !== undefined) ctx.timers.registerEventTime(value.at);
    if (value.pt !== undefined) ctx.timers.registerProcessingTime(value.pt);
    if (value.unAt !== undefined) ctx.timers.deleteEventTime(value.unAt);
    if (value.unPt !== undefined) ctx.timers.deleteProcessingTime(value.unPt);
    if (total.get() > 10) ctx.emit({ total: total.get() }, 'alerts');
  }
  export function onTimer(timestamp: number, ctx: ProcessContext) {
    const total = ctx.state.value<number>('total', 0);
    ctx.emit({ domain: ctx.timeDomain, total: total.get(), watermark: ctx.watermark });
    if (ctx.timeDomain === 'event') total.clear();
  }`;

const spec = { type: 'process', params: { code, outputs: ['alerts'] } };

describe('process, step by step with a restore before every step', () => {
  it('keeps totals per key, fires processing-time then event-time timers as each clock reaches them, and clears keys', () => {
    checkSteps(spec, [
      [record('a', { n: 5, at: 100, pt: 1000 }, 10), [], { keys: 1, timers: 2 }],
      [record('b', { n: 7, at: 100 }, 20), [], { keys: 2, timers: 3 }],
      [record('a', { n: 6, pt: 1000 }, 30), [emitted('alerts', 'a', { total: 11 }, 30)], { keys: 2, timers: 3 }],
      [watermark(99), [], { keys: 2, timers: 3 }],
      [
        processingTime(1000),
        [out('a', { domain: 'processing', total: 11, watermark: 99 }, 1000)],
        { keys: 2, timers: 2 },
      ],
      [
        watermark(100),
        [
          out('a', { domain: 'event', total: 11, watermark: 100 }, 100),
          out('b', { domain: 'event', total: 7, watermark: 100 }, 100),
        ],
        { keys: 0, timers: 0 },
      ],
      [record('b', { n: 1, at: 150, unAt: 150, pt: 2000, unPt: 2000 }, 120), [], { keys: 1, timers: 0 }],
      [endOfInput(), [], { keys: 1, timers: 0 }],
    ]);
  });

  it('drops a key once its last timer fires and its state was never written', () => {
    const timerOnly = `
      export function processElement(value: number, ctx: ProcessContext) { ctx.timers.registerEventTime(value); }
      export function onTimer(timestamp: number, ctx: ProcessContext) { ctx.emit(timestamp); }`;
    checkSteps(
      { type: 'process', params: { code: timerOnly } },
      [
        [record('k', 50, 1), [], { keys: 1, timers: 1 }],
        [record('k', 60, 2), [], { keys: 1, timers: 2 }],
        [watermark(55), [out('k', 50, 50)], { keys: 1, timers: 1 }],
        [endOfInput(), [out('k', 60, 60)], { keys: 0, timers: 0 }],
      ],
      { leakCheck: true },
    );
  });

  it('at end of input fires, in timestamp order, the event-time timers that onTimer registers while the +∞ watermark fires', () => {
    const chained = `
      export function processElement(value: number, ctx: ProcessContext) { ctx.timers.registerEventTime(value); }
      export function onTimer(timestamp: number, ctx: ProcessContext) {
        ctx.emit(timestamp);
        if (timestamp < 300) ctx.timers.registerEventTime(timestamp + 100);
      }`;
    checkSteps(
      { type: 'process', params: { code: chained } },
      [
        [record('k', 100, 1), [], { keys: 1, timers: 1 }],
        [record('j', 250, 2), [], { keys: 2, timers: 2 }],
        [watermark(100), [out('k', 100, 100)], { keys: 2, timers: 2 }],
        [
          endOfInput(),
          [out('k', 200, 200), out('j', 250, 250), out('k', 300, 300), out('j', 350, 350)],
          { keys: 0, timers: 0 },
        ],
      ],
      { leakCheck: true },
    );
  });
});
