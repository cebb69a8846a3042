// Bounded concurrency: work over many items with at most `limit` of them in flight, as
// maintenance does over partitions and the dispatcher over (subscription, partition)
// runs. One definition, so every such loop starts, stops and orders results alike.

/** `fn` over every item, at most `limit` at once; results in the items' order. */
export async function inParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}
