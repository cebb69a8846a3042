// The user's connector module a custom connector function is bundled with: esbuild maps
// this import name to the module's file (cdk/connectors.ts, `addConnector(..., { entry })`).
declare module 'sluice-custom-connector' {
  const connector: unknown;
  export default connector;
}
