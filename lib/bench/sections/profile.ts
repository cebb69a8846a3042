// The handler profiles' section: CPU milliseconds per MiB of the produce and fetch
// handlers with storage answered from memory, and where that time goes, by origin and by
// function (profile/handlers.ts). Runs in this process before the platform starts.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ms, pct, table } from '../harness/format.ts';
import { defineSection } from '../harness/section.ts';
import { runHandlerProfiles, type PathProfile } from '../profile/handlers.ts';

const PROJECT_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

function profileLines(p: PathProfile): string[] {
  const origins = Object.entries(p.profile.categories)
    .sort((a, b) => b[1] - a[1])
    .filter(([, s]) => s >= 0.005)
    .map(([k, s]) => `${k} ${pct(s)}`)
    .join(', ');
  const top = p.profile.functions.filter((f) => !f.label.startsWith('(') || f.label.startsWith('(anonymous)') || f.label.startsWith('(garbage')).slice(0, 8);
  const ours = p.profile.functions
    .filter((f) => f.category === 'sluice')
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, 6);
  return [
    `${p.path}: ${ms(p.cpuMsPerMiB)} CPU ms/MiB (${ms(p.cpuMsPerInvocation)} ms per call); ` +
      `${ms(p.cpuMsPerMiBWithoutSdkLogFilter)} ms/MiB with the SDK's log filter off`,
    `  self time by origin: ${origins}`,
    table(
      ['  SELF', 'TOTAL', 'ORIGIN', 'FUNCTION'],
      top.map((f) => [`  ${pct(f.selfShare)}`, pct(f.totalShare), f.category, f.label]),
      [true, true, false, false],
    ),
    ...(ours.length ? ['  heaviest lib/ functions (total time, callees included):', ...ours.map((f) => `    ${pct(f.totalShare).padStart(6)}  ${f.label}`)] : []),
    '',
  ];
}

export const profile = defineSection({
  name: 'profile', where: 'process', reportOrder: 70,
  sizes: { full: { invocations: 300, repetitions: 3 }, quick: { invocations: 150, repetitions: 2 } },
  title: () => 'profile: produce and fetch handlers, storage in memory',
  run: (ctx, size) =>
    runHandlerProfiles({
      ...size,
      recordsPerBatch: 100,
      recordBytes: 1024,
      fetchRecords: 100,
      projectRoot: PROJECT_ROOT,
      onProgress: (d, t) => ctx.progress.update(d, t),
    }),
  values(profiles: PathProfile[], put) {
    for (const pr of profiles) {
      const key = pr.path.startsWith('produce') ? 'produce' : pr.path.includes('JSON') ? 'fetchJson' : 'fetchRaw';
      put(`profile.${key}CpuMsPerMiB`, pr.cpuMsPerMiB);
      put(`profile.${key}CpuMsPerMiBWithoutSdkLogFilter`, pr.cpuMsPerMiBWithoutSdkLogFilter);
    }
  },
  details: (profiles) => (profiles.length ? ['Handler CPU profiles (in-process, storage answered from memory)', profiles.flatMap(profileLines).join('\n')] : []),
});
