// The quickstart `sluice dev` prints, mirroring Kafka's: create a topic, write events,
// read them back.

export const QUICKSTART_TOPIC = 'quickstart-events';

/** The three commands, with the endpoint exported first when it is not the default. */
export function quickstartLines(endpoint: string, defaultEndpoint: string): string[] {
  const lines: string[] = [];
  if (endpoint !== defaultEndpoint) lines.push(`export SLUICE_ENDPOINT=${endpoint}`);
  lines.push(
    `npx sluice topics create ${QUICKSTART_TOPIC} --partitions 3`,
    `echo 'hello' | npx sluice produce ${QUICKSTART_TOPIC}`,
    `npx sluice consume ${QUICKSTART_TOPIC} --from-beginning`,
  );
  return lines;
}
