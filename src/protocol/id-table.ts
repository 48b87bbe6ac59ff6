/**
 * The requests this side waits on, by id. The engine numbers its requests 1, 2, 3, ..., so an
 * entry sits in slot `id & mask` of an array at least twice as long as the entries held: looking
 * one up is an index and a compare. An entry whose slot a newer id needs (it has waited while
 * more than `capacity` later requests were sent) moves to an overflow Map, which only such
 * long waiters ever enter.
 *
 * Why not one Map: entries come and go by the thousand a second, so V8 rehashes a Map's table
 * often, and links each old table to its successor. Once one old table had been promoted to the
 * old generation, every scavenge found the next table and the requests in it through that link
 * (a dead table still counts as a root until a full collection) and promoted them too, each
 * table dragging the next (docs/engine.md has what it cost). The arrays here are kept, and an
 * emptied slot is cleared, so nothing dead points at anything young.
 */

const MIN_CAPACITY = 64;

export class IdTable<V> {
  /** The id in each slot, 0 when empty (the engine's ids start at 1). */
  private keys: number[];
  private values: (V | undefined)[];
  private mask: number;
  /** Entries moved out of their slot by a newer id, or null while there are none. */
  private overflow: Map<number, V> | null = null;
  private count = 0;

  constructor() {
    this.keys = new Array<number>(MIN_CAPACITY).fill(0);
    this.values = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Adds `value` under `id`, a positive integer not held already and greater than every id held. */
  set(id: number, value: V): void {
    if (this.count * 2 >= this.keys.length) this.resize(this.keys.length * 2);
    this.place(id, value);
    this.count++;
  }

  /** The entry under `id`; any number may be asked for (a response's id), only a held one is found. */
  get(id: number): V | undefined {
    const slot = id & this.mask;
    if (this.keys[slot] === id) return this.values[slot];
    return this.overflow === null ? undefined : this.overflow.get(id);
  }

  /** Removes the entry under `id`; false when there was none. */
  delete(id: number): boolean {
    const slot = id & this.mask;
    if (this.keys[slot] === id && id > 0) {
      this.keys[slot] = 0;
      this.values[slot] = undefined;
    } else if (this.overflow === null || !this.overflow.delete(id)) {
      return false;
    } else if (this.overflow.size === 0) {
      this.overflow = null;
    }
    this.count--;
    // After a burst, give the memory back once the table is mostly empty.
    if (this.keys.length > MIN_CAPACITY && this.count * 8 < this.keys.length) this.resize(this.keys.length / 2);
    return true;
  }

  /** Every entry, in the order of their ids. */
  entries(): [number, V][] {
    const all: [number, V][] = [];
    const keys = this.keys;
    for (let slot = 0; slot < keys.length; slot++) if (keys[slot] !== 0) all.push([keys[slot]!, this.values[slot] as V]);
    if (this.overflow !== null) for (const entry of this.overflow) all.push(entry);
    return all.sort((a, b) => a[0] - b[0]);
  }

  /** Puts an entry in its slot; an older entry already there moves to the overflow. */
  private place(id: number, value: V): void {
    const slot = id & this.mask;
    const older = this.keys[slot]!;
    if (older !== 0) (this.overflow ??= new Map()).set(older, this.values[slot] as V);
    this.keys[slot] = id;
    this.values[slot] = value;
  }

  private resize(capacity: number): void {
    const held = this.entries();
    this.keys = new Array<number>(capacity).fill(0);
    this.values = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.overflow = null;
    for (const [id, value] of held) this.place(id, value);
  }
}
