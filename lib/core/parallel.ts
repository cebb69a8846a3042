// Bounded concurrency: a function over many items with at most `limit` calls in flight,
// for work that must not flood a dependency (maintenance over partitions, the console
// describing every topic). Imports nothing; runs in Node and in the browser.

/** fn over items with at most `limit` calls in flight; results in the items' order. */
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
