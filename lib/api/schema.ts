// The API's name for the request-body parser, which lives in lib/core/schema.ts so that
// features can use it too (each feature owns the schema of its requests).
export { describeIssues, formatPath, validate } from '../core/schema.ts';
