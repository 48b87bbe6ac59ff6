/**
 * A bounded promise pool: runs `worker` over `items` with at most `limit` calls in flight, and
 * resolves with the results in input order. No timers: each lane starts its next item as soon as
 * its previous one settles.
 */
export async function runPool<T, R>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!(Number.isInteger(limit) && limit >= 1) && limit !== Infinity) {
    throw new RangeError(`A pool's limit must be a positive integer (or Infinity), got ${String(limit)}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  // Lanes share `next`; JavaScript runs one lane at a time between awaits, so no item is taken twice.
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await worker(items[index] as T, index);
    }
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < Math.min(limit, items.length); i++) lanes.push(lane());
  await Promise.all(lanes);
  return results;
}
