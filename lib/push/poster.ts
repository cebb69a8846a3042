// Sending a message down a push connection. Deployed: API Gateway's management API
// (PostToConnection on the WebSocket API's stage, the only call the functions that post
// are allowed there); in the dev server, its own WebSocket server (lib/local/push.ts).
// A connection that is gone (410 Gone) is reported as such, for the caller to forget;
// throttling and 5xx are retried a few times, then reported as failed.
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { PushMessage } from '../core/push.ts';
import { fullJitter, sleep } from '../core/time.ts';

export type PostOutcome = 'sent' | 'gone' | 'failed';

export interface ConnectionPoster {
  post(connectionId: string, message: PushMessage): Promise<PostOutcome>;
}

/** Env var naming the WebSocket API's management endpoint: https://{apiId}.execute-api.{region}.amazonaws.com/{stage}. */
export const PUSH_ENDPOINT_ENV_VAR = 'SLUICE_PUSH_ENDPOINT';

const ATTEMPTS = 3;

export function apiGatewayPoster(endpoint: string, client = new ApiGatewayManagementApiClient({ endpoint })): ConnectionPoster {
  return {
    async post(connectionId, message) {
      const Data = Buffer.from(JSON.stringify(message));
      for (let attempt = 0; ; attempt++) {
        try {
          await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data }));
          return 'sent';
        } catch (err) {
          if (err instanceof GoneException || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 410) return 'gone';
          const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
          if (attempt + 1 >= ATTEMPTS || (status !== 429 && status < 500)) return 'failed';
          await sleep(fullJitter(attempt + 1, { baseMs: 20, maxMs: 200 }));
        }
      }
    },
  };
}

/** The poster of a function that posts (FUNCTIONS.postsToConnections), from its environment; none without a push API. */
export function posterFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionPoster | undefined {
  const endpoint = env[PUSH_ENDPOINT_ENV_VAR];
  return endpoint ? apiGatewayPoster(endpoint) : undefined;
}
