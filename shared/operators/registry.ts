/**
 * The operator registry: every node type Weir knows, by its `type` string. The validator, the engine, the editor's
 * palette and its inspector all read this one table.
 */
import type { OperatorDefinition } from './types.ts';
import { kafkaSource } from './source-kafka.ts';
import { filter } from './filter.ts';
import { map } from './map.ts';
import { flatMap } from './flat-map.ts';
import { keyBy } from './key-by.ts';
import { windowOperator } from './window.ts';
import { aggregateOperator } from './aggregate.ts';
import { keyedProcess } from './process.ts';
import { joinWindow } from './join-window.ts';
import { joinInterval } from './join-interval.ts';
import { kafkaSink } from './sink-kafka.ts';

export const OPERATORS = {
  'source.kafka': kafkaSource,
  filter,
  map,
  flatMap,
  keyBy,
  window: windowOperator,
  aggregate: aggregateOperator,
  process: keyedProcess,
  'join.window': joinWindow,
  'join.interval': joinInterval,
  'sink.kafka': kafkaSink,
} satisfies Record<string, OperatorDefinition>;

export type OperatorType = keyof typeof OPERATORS;

export function operatorFor(type: string): OperatorDefinition | undefined {
  return Object.hasOwn(OPERATORS, type) ? (OPERATORS as Record<string, OperatorDefinition>)[type] : undefined;
}

export const OPERATOR_LIST: readonly OperatorDefinition[] = Object.values(OPERATORS);
