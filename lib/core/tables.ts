// The ids by which Sluice's DynamoDB tables are known everywhere: lib/storage/definitions.ts
// defines each table under its id, the route table (lib/api/routes.ts) grants each
// function access by id, and the CDK builds and grants from both. Ids only: what a table
// holds is lib/storage's.
export const TABLE_IDS = ['topics', 'partitions', 'segments', 'groups', 'producers', 'subscriptions', 'push', 'processors', 'state', 'connectors'] as const;

export type TableId = (typeof TABLE_IDS)[number];
