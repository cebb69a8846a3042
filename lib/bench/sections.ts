// Every section of `sluice bench`, in the order they run: the in-process ones first,
// while nothing else runs (the suite holds them before the local platform starts), then
// the rest. A section is one file under sections/ exporting a Section
// (harness/section.ts); adding one is that file and its line here. Where each stands in
// the report is its own reportOrder.
export const SECTIONS = [
  (await import('./sections/codec.ts')).codec,
  (await import('./sections/profile.ts')).profile,
  (await import('./sections/produce.ts')).produce,
  (await import('./sections/txn.ts')).txn,
  (await import('./sections/hot.ts')).hot,
  (await import('./sections/cost.ts')).cost,
  (await import('./sections/idle.ts')).idle,
  (await import('./sections/fetch.ts')).fetch,
  (await import('./sections/gateway.ts')).gateway,
  (await import('./sections/e2e.ts')).e2e,
  (await import('./sections/streams.ts')).streams,
  (await import('./sections/compaction.ts')).compaction,
  (await import('./sections/compact.ts')).compact,
] as const;
