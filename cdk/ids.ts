// Construct ids are spelled from the names of the single sources (table ids, function
// names, operations): 'partitions' → PartitionsTable, 'dispatcher' → DispatcherRole. They
// become CloudFormation logical ids, and a changed logical id replaces the deployed
// resource (a new, empty table), so every concern spells them through here and in the
// platform's own scope.
export const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
