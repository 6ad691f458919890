/**
 * The benchmark's input: a deterministic stream of `user_events` (user_id, event_type, page_url, ts, duration_ms),
 * the same for every system measured. A seeded PRNG (mulberry32) makes a given seed give the same events
 * everywhere; event time advances steadily with a little jitter, so some records arrive out of order, but never by
 * more than `maxJitterMs`.
 *
 * Run directly to write events as JSON Lines: `node bench/data/generate.ts --count 1000 [--seed 42]`.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { seededRandom } from '../../shared/random.ts';

export interface UserEvent {
  user_id: number;
  event_type: 'page_view' | 'click' | 'purchase';
  page_url: string;
  ts: number;
  /** Time spent on the page: the numeric field that windowed averages read. */
  duration_ms: number;
}

export interface GeneratorOptions {
  seed?: number;
  /** Distinct user ids, drawn uniformly. */
  users?: number;
  /** Event time of the first event. */
  startTs?: number;
  /** Event-time rate: how many events share one second of event time. */
  eventsPerSecond?: number;
  /** Each event's time is moved back by up to this much, so records arrive out of order within this bound. */
  maxJitterMs?: number;
  /** `duration_ms` is uniform over 0…maxDurationMs. */
  maxDurationMs?: number;
}

export const DEFAULT_GENERATOR: Required<GeneratorOptions> = {
  seed: 42,
  users: 100_000,
  startTs: 1_700_000_040_000,
  eventsPerSecond: 1000,
  maxJitterMs: 3000,
  maxDurationMs: 60_000,
};

const PAGES = [
  '/',
  '/home',
  '/products',
  '/products/1',
  '/products/2',
  '/products/3',
  '/pricing',
  '/blog',
  '/blog/streams',
  '/docs',
  '/docs/windows',
  '/cart',
  '/checkout',
  '/orders',
  '/account',
  '/search',
];

export class EventGenerator {
  private readonly random: () => number;
  private readonly options: Required<GeneratorOptions>;
  private index = 0;

  constructor(options: GeneratorOptions = {}) {
    this.options = { ...DEFAULT_GENERATOR, ...options };
    this.random = seededRandom(this.options.seed);
  }

  /** The next event; page views are 70 % of events, clicks 25 %, purchases 5 %. */
  next(): UserEvent {
    const { users, startTs, eventsPerSecond, maxJitterMs, maxDurationMs } = this.options;
    const r = this.random;
    const kind = r();
    const event_type = kind < 0.7 ? 'page_view' : kind < 0.95 ? 'click' : 'purchase';
    const user_id = 1 + Math.floor(r() * users);
    const page_url = PAGES[Math.floor(r() * PAGES.length)]!;
    const ts = startTs + Math.floor((this.index++ * 1000) / eventsPerSecond) - Math.floor(r() * (maxJitterMs + 1));
    const duration_ms = Math.floor(r() * (maxDurationMs + 1));
    return { user_id, event_type, page_url, ts, duration_ms };
  }
}

function main(): void {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      seed: { type: 'string', default: String(DEFAULT_GENERATOR.seed) },
    },
  });
  const generator = new EventGenerator({ seed: Number(values.seed) });
  const count = Number(values.count);
  const chunk: string[] = [];
  for (let i = 0; i < count; i++) {
    chunk.push(JSON.stringify(generator.next()));
    if (chunk.length === 10_000 || i === count - 1) {
      process.stdout.write(chunk.join('\n') + '\n');
      chunk.length = 0;
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
