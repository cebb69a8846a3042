// S3Sink: archives topics into a bucket of the user's, as Confluent's S3 sink connector
// (io.confluent.connect.s3.S3SinkConnector) does, with its settings (config.ts) and object
// layout (objects.ts). Each batch is written as whole objects in put (PutObject; a retried
// batch overwrites the same keys), so nothing is buffered between batches: when put
// returns, the batch is in S3 and its position may be committed.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { RetriableException, ConnectException } from '../../data/exceptions.ts';
import { defineSinkConnector, type SinkConnector } from '../../plugins/define.ts';
import type { ConnectorPlugin } from '../plugin.ts';
import { s3SinkErrors, s3SinkSettings, S3_SINK_CONFIG, type S3SinkSettings } from './config.ts';
import { objectsFor } from './objects.ts';

/** Builds the client for the settings (tests hand the emulator's credentials). */
export type S3ClientFactory = (s: S3SinkSettings) => S3Client;

export const defaultS3Client: S3ClientFactory = (s) =>
  new S3Client({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
  });

interface State {
  settings: S3SinkSettings;
  s3: S3Client;
}

/** Errors S3 answers that retrying cannot fix (the bucket or the grant is wrong). */
const PERMANENT = new Set(['NoSuchBucket', 'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled', 'InvalidBucketName']);

export function createS3Sink(client: S3ClientFactory = defaultS3Client): SinkConnector<State> {
  return defineSinkConnector<State>({
    configDef: S3_SINK_CONFIG,
    validate: s3SinkErrors,
    start: ({ config }) => {
      const settings = s3SinkSettings(config);
      return { settings, s3: client(settings) };
    },
    put: async (records, { state, signal }) => {
      for (const object of objectsFor(state.settings, records)) {
        try {
          await state.s3.send(
            new PutObjectCommand({ Bucket: state.settings.bucket, Key: object.key, Body: object.body, ContentType: object.contentType }),
            signal ? { abortSignal: signal } : {},
          );
        } catch (err) {
          const name = (err as { name?: string }).name ?? 'Error';
          const message = `PutObject s3://${state.settings.bucket}/${object.key} failed: ${name}: ${(err as Error).message}`;
          throw PERMANENT.has(name) ? new ConnectException(message, { cause: err }) : new RetriableException(message, { cause: err });
        }
      }
    },
    stop: ({ state }) => state.s3.destroy(),
  });
}

export const s3SinkPlugin: ConnectorPlugin = {
  className: 'io.confluent.connect.s3.S3SinkConnector',
  aliases: ['S3Sink', 'S3SinkConnector'],
  connector: createS3Sink() as SinkConnector,
};
