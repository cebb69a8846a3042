// The gateway process's configuration: options from the environment the container gets,
// and the refusal to listen beyond loopback without authentication.
import { describe, expect, it } from 'vitest';
import { gatewayOptionsFromEnv, runGateway } from '../../../lib/gateway/main.ts';
import { prefixedStorageNames } from '../../../lib/storage/definitions.ts';

describe('the gateway process', () => {
  it('reads its options from the environment, IAM keys and users included', async () => {
    const opts = gatewayOptionsFromEnv({
      SLUICE_GATEWAY_PORT: '9093',
      SLUICE_GATEWAY_HOST: '0.0.0.0',
      SLUICE_GATEWAY_ADVERTISED_HOST: 'kafka.example.com',
      SLUICE_GATEWAY_ADVERTISED_PORT: '9098',
      SLUICE_GATEWAY_LINGER_MS: '10',
      SLUICE_GATEWAY_USERS: '{"app":"pw"}',
      SLUICE_GATEWAY_IAM_REGION: 'eu-west-1',
      SLUICE_GATEWAY_IAM_KEYS: '{"AKID":"secret"}',
    });
    expect(opts).toMatchObject({ port: 9093, host: '0.0.0.0', advertisedHost: 'kafka.example.com', advertisedPort: 9098, lingerMs: 10 });
    expect(opts.auth.users).toEqual({ app: 'pw' });
    expect(opts.auth.iam).toMatchObject({ region: 'eu-west-1', hosts: ['kafka.example.com'] });
    expect(await opts.auth.iam!.resolveSecret('AKID')).toBe('secret');
    expect(await opts.auth.iam!.resolveSecret('OTHER')).toBeUndefined();
    expect(() => gatewayOptionsFromEnv({ SLUICE_GATEWAY_USERS: '["not", "an", "object"]' })).toThrow(/JSON object of strings/);
    expect(() => gatewayOptionsFromEnv({ SLUICE_GATEWAY_USERS: '{"app": 1}' })).toThrow(/JSON object of strings/);
  });

  it('refuses to listen beyond loopback without authentication', async () => {
    const storage = { names: prefixedStorageNames('unused') };
    await expect(runGateway({ ...gatewayOptionsFromEnv({}), host: '0.0.0.0' }, storage)).rejects.toThrow(/without authentication/);
  });
});
