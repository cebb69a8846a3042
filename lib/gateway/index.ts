// The Kafka gateway: Kafka's wire protocol over Sluice's log and groups, for existing
// Kafka clients and tools. See server/server.ts for a node, protocol/ for the codecs,
// handlers/ for what each API does, groups/ for the classic group coordinator.
export { startGateway, DEFAULT_KAFKA_PORT, type Gateway, type GatewayOptions } from './server/server.ts';
export { APIS, type ApiDefinition } from './protocol/apis.ts';
export type { AuthOptions } from './server/auth/index.ts';
export type { IamOptions } from './server/auth/msk-iam.ts';
