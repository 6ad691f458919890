import { describe, it, expect } from 'vitest';
import { Engine, PipelineBuildError } from '../../../shared/engine/engine.ts';
import { Operator, type OperatorEnv } from '../../../shared/engine/operator.ts';
import type { StreamRecord } from '../../../shared/engine/record.ts';
import { simulate } from '../../../shared/engine/simulation.ts';
import { OPERATORS } from '../../../shared/operators/registry.ts';
import { kafkaSink } from '../../../shared/operators/sink-kafka.ts';
import { kafkaSource } from '../../../shared/operators/source-kafka.ts';
import { defineOperator, type OperatorDefinitions } from '../../../shared/operators/types.ts';
import { validatePipeline } from '../../../shared/validation/validate.ts';
import { chain, node, records, sink, source } from './pipelines.ts';

/** A node type the built-in registry does not have: wraps each value as `{ [label]: value }`. */
class LabelOperator extends Operator {
  private readonly label: string;

  constructor(env: OperatorEnv<{ label: string }>) {
    super(env);
    this.label = env.node.params.label;
  }

  processElement(record: StreamRecord): void {
    this.output('out').emit(record.withValue({ [this.label]: record.value }));
  }
}

const labelType = defineOperator({
  type: 'label',
  label: 'Label',
  category: 'Transform',
  description: 'Wraps each value in an object under one field name.',
  inputs: [{ name: 'in', required: true }],
  outputs: () => ['out'],
  role: 'transform',
  params: { label: { kind: 'string', minLength: 1, default: 'value' } },
  create: (env) => new LabelOperator(env),
});

const withLabel: OperatorDefinitions = { ...OPERATORS, [labelType.type]: labelType };
const labelled = chain(source('s', records([1, 'a'], [2, 'b'])), node('l', 'label', { label: 'item' }), sink());

describe('the engine and the registry it is handed', () => {
  it('runs a node type that only the registry it is given knows, with the params its schema types', () => {
    const outputs = simulate(labelled, { operators: withLabel }).outputs;
    expect(outputs.map((o) => o.value)).toEqual([{ item: 'a' }, { item: 'b' }]);
  });

  it('fills in the defaults of a type it is handed before creating the operator', () => {
    const doc = chain(source('s', records([1, 'a'])), node('l', 'label', {}), sink());
    expect(simulate(doc, { operators: withLabel }).outputs.map((o) => o.value)).toEqual([{ value: 'a' }]);
  });

  it('knows no type it is not handed, not even a built-in one', () => {
    const only = { [kafkaSource.type]: kafkaSource, [kafkaSink.type]: kafkaSink };
    const doc = chain(source('s', records([1, 'a'])), node('m', 'map', { code: 'export default (v) => v;' }), sink());
    expect(() => new Engine(doc, { operators: only })).toThrow(PipelineBuildError);
    expect(() => new Engine(doc, { operators: only })).toThrow('nodes[1].type: unknown operator type "map"');
    expect(() => simulate(labelled, { operators: OPERATORS })).toThrow('unknown operator type "label"');
  });

  it('finds the sources by their role, whatever their type is called', () => {
    const renamed = { ...OPERATORS, 'source.test': { ...kafkaSource, type: 'source.test' } };
    const doc = chain({ ...source('s', records([1, 'a'], [2, 'b'])), type: 'source.test' }, sink());
    const result = simulate(doc, { operators: renamed });
    expect(result.engine.sources.map((s) => s.id)).toEqual(['s']);
    expect(result.outputs.map((o) => o.value)).toEqual(['a', 'b']);
  });

  it('refuses a type whose role says source but whose operator is not a SourceOperator', () => {
    const fake = { ...OPERATORS, label: { ...labelType, role: 'source' as const, inputs: [] } };
    const doc = chain({ ...node('l', 'label', {}), samples: [] }, sink());
    expect(() => new Engine(doc, { operators: fake })).toThrow(
      'node type "label" has the role "source", so its operator must be a SourceOperator',
    );
  });
});

describe('the validator and the registry it is given', () => {
  it('checks a type of the registry it is given, its params against the type’s schema', () => {
    expect(validatePipeline(labelled, withLabel).problems).toEqual([]);
    const bad = chain(source('s', records([1, 'a'])), node('l', 'label', { label: '', extra: 1 }), sink());
    expect(validatePipeline(bad, withLabel).problems.map((p) => `${p.path}: ${p.code}`)).toEqual([
      'nodes[1].params.label: E_RANGE',
      'nodes[1].params.extra: E_UNKNOWN_FIELD',
    ]);
  });

  it('reads the built-in registry unless told otherwise', () => {
    const problems = validatePipeline(labelled).problems;
    expect(problems.map((p) => `${p.path}: ${p.code}`)).toEqual(['nodes[1].type: E_UNKNOWN_TYPE']);
    expect(problems[0]!.message).toContain('known types: source.kafka, filter');
  });
});
