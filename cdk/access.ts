// Least privilege: the IAM actions of each access level, and the policy statements that
// grant a principal exactly the storage access it declares (FUNCTIONS in
// lib/api/routes.ts: per table none / read / write, the segment prefix none / read /
// write / manage). No wildcard actions and no managed policies; resources are the tables
// and indexes by ARN and the segment prefix of the one bucket.
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { FunctionDefinition } from '../lib/api/routes.ts';
import { SEGMENT_PREFIX, TABLES, type TableId } from '../lib/storage/definitions.ts';
import { acknowledge, flattenForFinding } from './findings.ts';
import { pascal } from './ids.ts';
import type { PlatformStorage } from './storage.ts';

/**
 * IAM actions per access level. Transactions (TransactWriteItems) have no IAM action of
 * their own: each item is authorized as the PutItem/UpdateItem/DeleteItem it performs,
 * and ConditionCheck items as dynamodb:ConditionCheckItem.
 */
export const ACTIONS = {
  dynamodbRead: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
  ],
  dynamodbWrite: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
  s3Read: ['s3:GetObject'],
  s3Write: ['s3:PutObject'],
  s3Delete: ['s3:DeleteObject'],
  s3List: ['s3:ListBucket'],
  logs: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  /** What an event source mapping needs to read a table's stream. */
  dynamodbStream: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
  sqsSend: ['sqs:SendMessage'],
  lambdaInvoke: ['lambda:InvokeFunction'],
} as const;

/** What a principal may do with the platform's storage, as FUNCTIONS declares it. */
export type StorageAccess = Pick<FunctionDefinition, 'tables' | 'bucket'>;

/**
 * The statements granting `access` to the storage. `role` carries the acknowledgement of
 * the one finding this leaves (the segment prefix is a wildcard resource by nature);
 * `label` names the principal in errors.
 */
export function storageStatements(storage: PlatformStorage, access: StorageAccess, role: IConstruct, label: string): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  for (const [tableId, level] of Object.entries(access.tables) as [TableId, string][]) {
    if (level !== 'read' && level !== 'write') continue;
    const table = storage.tables[tableId];
    if (!table) throw new Error(`${label} grants table '${tableId}', which TABLES does not define`);
    const indexArns = (TABLES[tableId].localIndexes ?? []).map((i) => `${table.tableArn}/index/${i.name}`);
    statements.push(
      new iam.PolicyStatement({ sid: `Read${pascal(tableId)}Table`, actions: [...ACTIONS.dynamodbRead], resources: [table.tableArn, ...indexArns] }),
    );
    if (level === 'write') {
      statements.push(new iam.PolicyStatement({ sid: `Write${pascal(tableId)}Table`, actions: [...ACTIONS.dynamodbWrite], resources: [table.tableArn] }));
    }
  }
  if (access.bucket !== 'none') statements.push(...segmentStatements(storage, access.bucket, role));
  return statements;
}

function segmentStatements(storage: PlatformStorage, level: Exclude<StorageAccess['bucket'], 'none'>, role: IConstruct): iam.PolicyStatement[] {
  const segments = storage.bucket.arnForObjects(`${SEGMENT_PREFIX}*`);
  const actions = [...ACTIONS.s3Read, ...(level === 'read' ? [] : ACTIONS.s3Write), ...(level === 'manage' ? ACTIONS.s3Delete : [])];
  const statements = [
    new iam.PolicyStatement({
      sid: { read: 'ReadSegmentObjects', write: 'ReadWriteSegmentObjects', manage: 'ManageSegmentObjects' }[level],
      actions,
      resources: [segments],
    }),
  ];
  if (level === 'manage') {
    // Maintenance lists the segment prefix to find orphans; listing is limited to it.
    statements.push(
      new iam.PolicyStatement({
        sid: 'ListSegmentObjects',
        actions: [...ACTIONS.s3List],
        resources: [storage.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${SEGMENT_PREFIX}*`] } },
      }),
    );
  }
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::${flattenForFinding(role, segments)}]`,
    `Segment object keys are generated per append (${SEGMENT_PREFIX}{topicId}/{partition}/{uuid}), so the grant must cover the ${SEGMENT_PREFIX} prefix; it is limited to that prefix of this one bucket and to ${actions.map((a) => a.replace('s3:', '')).join('/')}.`,
  );
  return statements;
}

/** "topics write, partitions read, segments manage": the access in words, for role descriptions. */
export function describeAccess(access: StorageAccess): string {
  const tables = Object.entries(access.tables)
    .filter(([, a]) => a === 'read' || a === 'write')
    .map(([t, a]) => `${t} ${a}`);
  const parts = [...tables, ...(access.bucket !== 'none' ? [`segments ${access.bucket}`] : [])];
  return parts.length ? parts.join(', ') : 'no storage access';
}
