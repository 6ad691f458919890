/** Finds the schema of a code param from a node's type and the field's path, so a code field knows its template. */
import { operatorFor } from '../../../shared/operators/registry.ts';
import type { CodeField, Field } from '../../../shared/pipeline/schema.ts';
import type { NodeDoc } from '../../../shared/pipeline/types.ts';

/**
 * The code field at `path` (`['params', 'code']`, `['params', 'aggregate', 'code']`) of `node`, reading variants by
 * the tag the node's params hold now; undefined when the path does not lead to a code field.
 */
export function codeFieldAt(node: NodeDoc | undefined, path: readonly string[]): CodeField | undefined {
  const definition = node ? operatorFor(node.type) : undefined;
  if (!definition || path[0] !== 'params') return undefined;
  let fields: Record<string, Field> = definition.params;
  let value: unknown = node!.params;
  for (let i = 1; i < path.length; i++) {
    const field: Field | undefined = fields[path[i]!];
    if (!field) return undefined;
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[path[i]!] : undefined;
    if (i === path.length - 1) return field.kind === 'code' ? field : undefined;
    if (field.kind === 'object') fields = field.fields;
    else if (field.kind === 'variant') {
      const tag =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field.tag] : undefined;
      const variant = typeof tag === 'string' ? field.variants[tag] : undefined;
      if (!variant) return undefined;
      fields = variant.fields;
    } else return undefined;
  }
  return undefined;
}
