// Storage: one DynamoDB table per definition of lib/storage/definitions.ts (TABLES) and
// the segment bucket (BUCKET), with the access logs bucket beside it. On-demand,
// point-in-time recovery, deletion protection and encryption at rest for the tables;
// public access blocked, TLS only, SSE, no versions (segments are immutable and deleted
// by maintenance) and stale multipart uploads aborted for the bucket.
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { BUCKET, TABLE_IDS, TABLES, type AttributeType, type StorageNames, type TableId } from '../lib/storage/definitions.ts';
import { acknowledge } from './findings.ts';
import { pascal } from './ids.ts';
import type { PlatformSettings } from './props.ts';

const ATTRIBUTE_TYPES: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

export class PlatformStorage {
  readonly tables: Record<TableId, dynamodb.Table>;
  readonly bucket: s3.Bucket;
  /** Where the data bucket's server access logs go, unless they are turned off. */
  readonly accessLogsBucket?: s3.Bucket;
  /** The names the functions find their storage by (storageEnvironment). */
  readonly names: StorageNames;

  constructor(scope: Construct, settings: PlatformSettings) {
    this.tables = Object.fromEntries(TABLE_IDS.map((id) => [id, table(scope, id, settings)])) as Record<TableId, dynamodb.Table>;
    if (settings.serverAccessLogs) this.accessLogsBucket = accessLogsBucket(scope, settings);
    this.bucket = dataBucket(scope, settings, this.accessLogsBucket);
    this.names = {
      tables: Object.fromEntries(TABLE_IDS.map((t) => [t, this.tables[t].tableName])) as Record<TableId, string>,
      bucket: this.bucket.bucketName,
    };
  }
}

function table(scope: Construct, tableId: TableId, settings: PlatformSettings): dynamodb.Table {
  const def = TABLES[tableId];
  const table = new dynamodb.Table(scope, `${pascal(tableId)}Table`, {
    partitionKey: { name: def.partitionKey.name, type: ATTRIBUTE_TYPES[def.partitionKey.type] },
    ...(def.sortKey ? { sortKey: { name: def.sortKey.name, type: ATTRIBUTE_TYPES[def.sortKey.type] } } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: settings.deletionProtection,
    encryption: settings.encryption === 'aws-managed' ? dynamodb.TableEncryption.AWS_MANAGED : dynamodb.TableEncryption.DEFAULT,
    ...(def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
    ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
    removalPolicy: settings.removalPolicy,
  });
  for (const index of def.localIndexes ?? []) {
    table.addLocalSecondaryIndex({
      indexName: index.name,
      sortKey: { name: index.sortKey.name, type: ATTRIBUTE_TYPES[index.sortKey.type] },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

function accessLogsBucket(scope: Construct, settings: PlatformSettings): s3.Bucket {
  return new s3.Bucket(scope, 'AccessLogsBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    // S3 server access logging can only deliver to SSE-S3 buckets.
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: false,
    lifecycleRules: [
      {
        id: 'expire-access-logs',
        expiration: Duration.days(settings.accessLogsExpirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: settings.removalPolicy,
    autoDeleteObjects: settings.destroy,
  });
}

function dataBucket(scope: Construct, settings: PlatformSettings, accessLogs: s3.Bucket | undefined): s3.Bucket {
  const kms = settings.encryption === 'aws-managed';
  const bucket = new s3.Bucket(scope, 'DataBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: kms ? s3.BucketEncryption.KMS_MANAGED : s3.BucketEncryption.S3_MANAGED,
    bucketKeyEnabled: kms ? true : undefined,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Segments are immutable and deleted by maintenance (retention, compaction):
    // versions would only keep deleted data around.
    versioned: false,
    lifecycleRules: [
      {
        id: 'abort-incomplete-multipart-uploads',
        abortIncompleteMultipartUploadAfter: Duration.days(BUCKET.abortIncompleteUploadsAfterDays),
      },
    ],
    ...(accessLogs ? { serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'data-bucket/' } : {}),
    removalPolicy: settings.removalPolicy,
    autoDeleteObjects: settings.destroy,
  });
  if (!accessLogs) {
    acknowledge(
      bucket,
      'AwsSolutions-S1',
      'Server access logs were turned off with serverAccessLogs: false; S3 data events can be audited with CloudTrail instead.',
    );
  }
  return bucket;
}
