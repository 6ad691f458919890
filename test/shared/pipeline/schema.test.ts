import { describe, it, expect, expectTypeOf } from 'vitest';
import { applyDefaults, defineParams, validateFields, type ParamsOf } from '../../../shared/pipeline/schema.ts';
import type { ValidationProblem } from '../../../shared/pipeline/errors.ts';
import type { Code } from '../../../shared/pipeline/types.ts';
import type { KafkaSourceParams } from '../../../shared/operators/source-kafka.ts';
import type { AggregateParams } from '../../../shared/engine/windows/fields.ts';

const schema = defineParams({
  topic: { kind: 'string', minLength: 1 },
  format: { kind: 'enum', values: ['json', 'text'], default: 'json' },
  idleMs: { kind: 'duration', min: 1, optional: true },
  code: { kind: 'code', exports: ['default'], signature: '(value) => value', template: '' },
  ports: { kind: 'stringList', default: [] },
  time: {
    kind: 'variant',
    tag: 'from',
    default: { from: 'kafka' },
    variants: {
      kafka: { fields: {} },
      field: { fields: { field: { kind: 'string' }, scale: { kind: 'integer', default: 1 } } },
    },
  },
});

describe('params typed from their schema', () => {
  it('gives each field the type of what passes its check; optional fields may be missing, defaulted ones not', () => {
    expectTypeOf<ParamsOf<typeof schema>>().toEqualTypeOf<{
      topic: string;
      format: 'json' | 'text';
      idleMs?: number;
      code: Code;
      ports: string[];
      time: { from: 'kafka' } | { from: 'field'; field: string; scale: number };
    }>();
    const code = 'export default (v) => v;';
    const params = applyDefaults({ topic: 't', code, time: { from: 'field', field: 'ts' } }, schema);
    const problems: ValidationProblem[] = [];
    validateFields(params, schema, 'params', problems);
    expect(problems).toEqual([]);
    const time = { from: 'field', field: 'ts', scale: 1 };
    expect(params).toEqual({ topic: 't', format: 'json', code, ports: [], time });
  });

  it('types the operators’ params from the one schema: the source’s, and the window family’s aggregates', () => {
    expectTypeOf<KafkaSourceParams['timestamp']>().toEqualTypeOf<
      { from: 'kafka' } | { from: 'field'; field: string; format: 'ms' | 's' | 'iso' }
    >();
    expectTypeOf<KafkaSourceParams['watermark']>().toEqualTypeOf<
      { strategy: 'bounded'; maxOutOfOrdernessMs: number; idleTimeoutMs?: number } | { strategy: 'explicit' }
    >();
    expectTypeOf<Extract<AggregateParams, { kind: 'sum' }>>().toEqualTypeOf<{ kind: 'sum'; field: string }>();
    expectTypeOf<Extract<AggregateParams, { kind: 'reduce' }>>().toEqualTypeOf<{ kind: 'reduce'; code: Code }>();
    const problems: ValidationProblem[] = [];
    validateFields({ topic: '' }, schema, 'params', problems);
    expect(problems.map((p) => `${p.path}: ${p.code}`)).toEqual(['params.topic: E_RANGE', 'params.code: E_REQUIRED']);
  });
});
