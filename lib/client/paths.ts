// The API's paths (API.md), with names URL-encoded: one place that spells them for the
// SDK's calls.

export const topicPath = (topic: string, rest = ''): string => `/v1/topics/${encodeURIComponent(topic)}${rest}`;

export const partitionPath = (topic: string, partition: number, rest = ''): string => topicPath(topic, `/partitions/${partition}${rest}`);

export const groupPath = (group: string, rest = ''): string => `/v1/groups/${encodeURIComponent(group)}${rest}`;

export const subscriptionPath = (topic: string, name?: string, rest = ''): string =>
  topicPath(topic, `/subscriptions${name === undefined ? '' : `/${encodeURIComponent(name)}`}${rest}`);

export const connectorPath = (name?: string, rest = ''): string => `/v1/connectors${name === undefined ? '' : `/${encodeURIComponent(name)}`}${rest}`;

export const connectorPluginPath = (plugin?: string, rest = ''): string => `/v1/connector-plugins${plugin === undefined ? '' : `/${encodeURIComponent(plugin)}`}${rest}`;

export const processorPath = (name?: string, rest = ''): string => `/v1/processors${name === undefined ? '' : `/${encodeURIComponent(name)}`}${rest}`;
