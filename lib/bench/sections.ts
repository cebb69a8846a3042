// Every section of `sluice bench`, in the order the report shows them. A section is one
// file under sections/ exporting a Section (harness/section.ts); adding one is that file
// and its line here. The suite runs the in-process sections first, then starts the
// platform and runs the rest in this order.
export const SECTIONS = [
  (await import('./sections/produce.ts')).produce,
  (await import('./sections/codec.ts')).codec,
  (await import('./sections/fetch.ts')).fetch,
  (await import('./sections/e2e.ts')).e2e,
  (await import('./sections/compaction.ts')).compaction,
  (await import('./sections/cost.ts')).cost,
  (await import('./sections/profile.ts')).profile,
] as const;
