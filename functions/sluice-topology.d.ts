// The user's topology module, bound at bundling time (cdk/processors.ts aliases it): it
// exports `config` and its topology (lib/streams/runtime/module.ts).
declare module 'sluice-topology' {
  export const config: unknown;
  export const topology: unknown;
  const topologyDefault: unknown;
  export default topologyDefault;
}
