/**
 * Synthetic samples from a small template, for trying a pipeline on more events than anyone types by hand. The
 * template is JSON; a string that reads as a call to one of the functions below is replaced per event:
 *
 *   { "user_id": "int(1,100)", "event_type": "pick(page_view,click,purchase)", "ts": "seq(0, 1000)" }
 *
 * A template whose top level is a sample (`{ "value": …, "key"?: …, "timestamp"?: …, "partition"?: … }`) fills
 * those members too. Generation is seeded, so the same template and seed give the same events in the panel, in the
 * worker and in benchmarks.
 */
import type { Json, Sample } from '../../../shared/pipeline/types.ts';
import { seededRandom } from '../../../shared/random.ts';

export const GENERATOR_FUNCTIONS: ReadonlyArray<{ call: string; meaning: string }> = [
  { call: 'int(min, max)', meaning: 'a random integer, both ends included' },
  { call: 'float(min, max)', meaning: 'a random number with two decimals' },
  { call: 'pick(a, b, c)', meaning: 'one of the values (numbers stay numbers)' },
  { call: 'seq(start, step)', meaning: 'start, start + step, … (event times)' },
  { call: 'seq(start, step, jitter)', meaning: 'the same, moved by up to ±jitter: out-of-order events' },
  { call: 'bool(p)', meaning: 'true with probability p (default 0.5)' },
  { call: 'index()', meaning: 'the event number, from 0' },
];

export const EXAMPLE_TEMPLATE =
  '{ "user_id": "int(1,100)", "event_type": "pick(page_view,click,purchase)", "ts": "seq(0, 1000)" }';

type Producer = (index: number, random: () => number) => unknown;

export type CompiledTemplate =
  | { ok: true; generate(count: number, seed?: number): Sample[]; sample(index: number, random: () => number): Sample }
  | { ok: false; message: string };

const SAMPLE_FIELDS = new Set(['value', 'key', 'timestamp', 'partition', 'headers']);

class TemplateError extends Error {}

function parseArgument(text: string): Json {
  const t = text.trim();
  if (t === '') return '';
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
  if (t === 'true' || t === 'false') return t === 'true';
  if (t === 'null') return null;
  if ((t.startsWith("'") && t.endsWith("'")) || (t.startsWith('"') && t.endsWith('"')))
    return t.length >= 2 ? t.slice(1, -1) : t;
  return t;
}

function numberArgument(args: Json[], i: number, call: string, fallback?: number): number {
  const v = args[i];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    throw new TemplateError(`${call}: argument ${i + 1} is missing`);
  }
  if (typeof v !== 'number')
    throw new TemplateError(`${call}: argument ${i + 1} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

function compileCall(name: string, args: Json[], text: string): Producer {
  switch (name) {
    case 'int': {
      const min = Math.ceil(numberArgument(args, 0, text));
      const max = Math.floor(numberArgument(args, 1, text));
      if (max < min) throw new TemplateError(`${text}: max is smaller than min`);
      const span = max - min + 1;
      return (_i, random) => min + Math.floor(random() * span);
    }
    case 'float': {
      const min = numberArgument(args, 0, text);
      const max = numberArgument(args, 1, text);
      return (_i, random) => Math.round((min + random() * (max - min)) * 100) / 100;
    }
    case 'pick': {
      if (args.length === 0 || (args.length === 1 && args[0] === ''))
        throw new TemplateError(`${text}: give at least one value`);
      const values = args;
      return (_i, random) => values[Math.floor(random() * values.length)];
    }
    case 'seq': {
      const start = numberArgument(args, 0, text, 0);
      const step = numberArgument(args, 1, text, 1);
      const jitter = Math.floor(numberArgument(args, 2, text, 0));
      if (jitter === 0) return (i) => start + i * step;
      const span = 2 * jitter + 1;
      return (i, random) => start + i * step + Math.floor(random() * span) - jitter;
    }
    case 'bool': {
      const p = numberArgument(args, 0, text, 0.5);
      return (_i, random) => random() < p;
    }
    case 'index':
      return (i) => i;
    default:
      throw new TemplateError(
        `unknown function "${name}" in ${JSON.stringify(text)}; known: ${GENERATOR_FUNCTIONS.map((f) => f.call).join(', ')}`,
      );
  }
}

const CALL = /^\s*([A-Za-z]+)\((.*)\)\s*$/s;

function compileNode(node: unknown): Producer {
  if (typeof node === 'string') {
    const match = CALL.exec(node);
    if (!match) return () => node;
    const args = match[2]!.trim() === '' ? [] : match[2]!.split(',').map(parseArgument);
    return compileCall(match[1]!, args, node);
  }
  if (Array.isArray(node)) {
    const items = node.map(compileNode);
    return (i, random) => items.map((p) => p(i, random));
  }
  if (node !== null && typeof node === 'object') {
    const entries = Object.entries(node).map(([k, v]) => [k, compileNode(v)] as const);
    return (i, random) => {
      const out: Record<string, unknown> = {};
      for (const [k, p] of entries) out[k] = p(i, random);
      return out;
    };
  }
  return () => node;
}

function isSampleTemplate(t: unknown): t is Record<string, unknown> {
  return (
    t !== null &&
    typeof t === 'object' &&
    !Array.isArray(t) &&
    'value' in t &&
    Object.keys(t).every((k) => SAMPLE_FIELDS.has(k))
  );
}

/** Compiles a template's text; says what is wrong when it is not valid. */
export function compileTemplate(text: string): CompiledTemplate {
  let template: unknown;
  try {
    template = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `the template is not valid JSON: ${(err as Error).message}` };
  }
  try {
    let sample: (index: number, random: () => number) => Sample;
    if (isSampleTemplate(template)) {
      const producer = compileNode(template);
      sample = (i, random) => producer(i, random) as Sample;
    } else {
      const producer = compileNode(template);
      sample = (i, random) => ({ value: producer(i, random) as Json });
    }
    return {
      ok: true,
      sample,
      generate(count, seed = 1) {
        const random = seededRandom(seed);
        const samples = new Array<Sample>(count);
        for (let i = 0; i < count; i++) samples[i] = sample(i, random);
        return samples;
      },
    };
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, message: err.message };
    throw err;
  }
}
