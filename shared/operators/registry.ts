/**
 * The operator registry: every node type Weir knows, by its `type` string. The validator, the editor's palette and
 * its inspector read this one table, and every host hands it to the engine (`new Engine(doc, { operators })`).
 */
import type { NodeDoc } from '../pipeline/types.ts';
import { definitionOf, type OperatorDefinition, type OperatorRole } from './types.ts';
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
  [kafkaSource.type]: kafkaSource,
  [filter.type]: filter,
  [map.type]: map,
  [flatMap.type]: flatMap,
  [keyBy.type]: keyBy,
  [windowOperator.type]: windowOperator,
  [aggregateOperator.type]: aggregateOperator,
  [keyedProcess.type]: keyedProcess,
  [joinWindow.type]: joinWindow,
  [joinInterval.type]: joinInterval,
  [kafkaSink.type]: kafkaSink,
} satisfies Record<string, OperatorDefinition>;

export function operatorFor(type: string): OperatorDefinition | undefined {
  return definitionOf(OPERATORS, type);
}

export const OPERATOR_LIST: readonly OperatorDefinition[] = Object.values(OPERATORS);

/** The role of a node type (`undefined` for a type Weir does not know). */
export function roleOf(type: string): OperatorRole | undefined {
  return operatorFor(type)?.role;
}

/** The nodes of `nodes` whose type has `role`: a pipeline's sources or sinks, in the author's order. */
export function nodesWithRole<N extends Pick<NodeDoc, 'type'>>(nodes: readonly N[], role: OperatorRole): N[] {
  return nodes.filter((node) => roleOf(node.type) === role);
}
