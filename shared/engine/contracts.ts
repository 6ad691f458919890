/**
 * What the engine asks of a node type. The engine knows no operator by name: its host passes it a registry of
 * `OperatorType`s (`EngineOptions.operators`), the way React Flow takes `nodeTypes`, and each type makes runtime
 * operators that implement the engine's contracts: `Operator` (operator.ts), `SourceOperator` for the nodes that
 * bring records in (source.ts), and, inside windows, `Trigger` (windows/triggers.ts).
 */
import type { ParamSchema } from '../pipeline/schema.ts';
import type { Operator, OperatorEnv } from './operator.ts';

export type { Operator, OperatorEnv } from './operator.ts';
export type { SourceOperator } from './source.ts';
export type { Trigger, TriggerResult } from './windows/triggers.ts';

/**
 * `source`: no inputs; brings records in, and its operator is a `SourceOperator`. `sink`: no outputs; hands records
 * to the host. `transform`: everything in between.
 */
export type OperatorRole = 'source' | 'sink' | 'transform';

export interface PortSpec {
  name: string;
  label?: string;
  /** An input port that needs at least one edge (SPEC §1). */
  required?: boolean;
}

export interface OperatorType {
  readonly type: string;
  readonly role: OperatorRole;
  /** The params' schema: the engine fills in its defaults before `outputs` and `create` see them. */
  readonly params: ParamSchema;
  readonly inputs: readonly PortSpec[];
  /** Output ports; `process` adds the names of its `outputs` param. */
  outputs(params: Record<string, unknown>): readonly string[];
  /** Makes the runtime operator. `env.node.params` have their defaults applied. */
  create(env: OperatorEnv): Operator;
}

/** Node types by their `type` string. */
export type OperatorRegistry = Readonly<Record<string, OperatorType>>;

/** The registry's entry for `type`; never one of `Object.prototype`'s members (a node typed `constructor`). */
export function lookupOperator<T extends OperatorType>(
  registry: Readonly<Record<string, T>>,
  type: string,
): T | undefined {
  return Object.hasOwn(registry, type) ? registry[type] : undefined;
}
