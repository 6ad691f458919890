/**
 * A fixed-size buffer that keeps the newest `capacity` items. A million-record simulation must not keep a million
 * records, yet the page wants to show the latest ones exactly; the ring also remembers how many items arrived since
 * they were last taken, so batches can send just those.
 */
export class Ring<T> {
  readonly capacity: number;

  private readonly items: Array<T | undefined>;
  private next = 0;
  size = 0;
  /** Items pushed since the last `takeFresh`. */
  private fresh = 0;
  /** Some items were pushed but never sent, so the complete tail must be sent when the run stops. */
  gap = false;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.size < this.capacity) this.size++;
    this.fresh++;
  }

  /** The newest `n` items (at most `size`), oldest first. */
  newest(n: number): T[] {
    const count = Math.min(n, this.size);
    const result = new Array<T>(count);
    let index = this.next - count;
    if (index < 0) index += this.capacity;
    for (let i = 0; i < count; i++) {
      result[i] = this.items[index]!;
      index = index + 1 === this.capacity ? 0 : index + 1;
    }
    return result;
  }

  all(): T[] {
    return this.newest(this.size);
  }

  /** The items pushed since the previous call, or only the newest `limit` of them (marking a gap). */
  takeFresh(limit: number): T[] {
    const fresh = this.fresh;
    this.fresh = 0;
    if (fresh > limit) this.gap = true;
    return this.newest(Math.min(fresh, limit));
  }
}
