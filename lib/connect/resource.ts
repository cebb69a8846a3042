// Connectors as CloudFormation custom resources (`platform.addConnector` in the CDK): the
// connectors function is the resource's service token and creates, updates and deletes
// the connector with the same code as the API (ConnectorService). Properties:
//
//   Name    the connector's name      Config  JSON of its config (strings)
//
// Create and Update of the same name put the config (an update keeps the offsets); a
// changed name is a new physical resource, and CloudFormation then deletes the old one.
import type { ConnectorService } from './service.ts';

const NAME = 'sluice-connector';

export const connectorPhysicalId = (name: string): string => `${NAME}:${name}`;

export function connectorResource(serviceOf: () => ConnectorService) {
  return {
    name: NAME,
    async upsert(properties: Record<string, unknown>): Promise<string> {
      const name = String(properties.Name ?? '');
      const config = typeof properties.Config === 'string' ? (JSON.parse(properties.Config) as unknown) : properties.Config;
      await serviceOf().putConfig(name, config);
      return connectorPhysicalId(name);
    },
    async delete(id: string): Promise<void> {
      if (!id.startsWith(`${NAME}:`)) return; // a failed create's id: nothing was made
      await serviceOf()
        .delete(id.slice(NAME.length + 1))
        .catch((err: unknown) => {
          if ((err as { code?: string }).code !== 'UNKNOWN_CONNECTOR') throw err;
        });
    },
  };
}
