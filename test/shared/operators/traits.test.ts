import { describe, it, expect } from 'vitest';
import { OPERATOR_LIST, OPERATORS, nodesWithRole, roleOf } from '../../../shared/operators/registry.ts';
import type { OperatorDefinition } from '../../../shared/operators/types.ts';
import { applyDefaults, initialParams } from '../../../shared/pipeline/schema.ts';

const typesWhere = (test: (definition: OperatorDefinition) => boolean) => OPERATOR_LIST.filter(test).map((d) => d.type);

describe('the traits each operator definition declares', () => {
  it('names each definition by its own type, once', () => {
    for (const [type, definition] of Object.entries(OPERATORS)) expect(definition.type).toBe(type);
    expect(new Set(OPERATOR_LIST.map((d) => d.type)).size).toBe(OPERATOR_LIST.length);
  });

  it('gives every type a role its ports agree with: sources take no input, sinks give no output', () => {
    for (const definition of OPERATOR_LIST) {
      const outputs = definition.outputs(applyDefaults(initialParams(definition.params), definition.params));
      expect(definition.inputs.length === 0, `${definition.type} has no inputs`).toBe(definition.role === 'source');
      expect(outputs.length === 0, `${definition.type} has no outputs`).toBe(definition.role === 'sink');
      for (const port of Object.keys(definition.values)) expect(outputs, `${definition.type}.${port}`).toContain(port);
    }
  });

  it('says which types are sources, sinks, keyed and windowed, and what their ports carry', () => {
    expect(typesWhere((d) => d.role === 'source')).toEqual(['source.kafka']);
    expect(typesWhere((d) => d.role === 'sink')).toEqual(['sink.kafka']);
    expect(typesWhere((d) => d.keyed)).toEqual(['window', 'aggregate', 'process', 'join.window', 'join.interval']);
    expect(typesWhere((d) => d.windowed)).toEqual(['window', 'join.window']);
    expect(typesWhere((d) => d.values.out === 'input')).toEqual(['filter', 'keyBy']);
    expect(typesWhere((d) => d.values.out === 'aggregate')).toEqual(['window', 'aggregate']);
    expect(OPERATORS.window.values.late).toBe('input');
    expect(OPERATORS['source.kafka'].values.out).toBe('records');
  });

  it('answers the role of a node type, and picks a pipeline’s nodes by role in the author’s order', () => {
    expect(roleOf('sink.kafka')).toBe('sink');
    expect(roleOf('map')).toBe('transform');
    expect(roleOf('nope')).toBeUndefined();
    const nodes = [
      { type: 'sink.kafka', id: 'a' },
      { type: 'source.kafka', id: 'b' },
      { type: 'map', id: 'c' },
      { type: 'sink.kafka', id: 'd' },
    ];
    expect(nodesWithRole(nodes, 'sink').map((n) => n.id)).toEqual(['a', 'd']);
    expect(nodesWithRole(nodes, 'source').map((n) => n.id)).toEqual(['b']);
  });
});
