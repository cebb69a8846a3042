// Reading a V8 CPU profile (node:inspector's Profiler.stop, or a .cpuprofile file): time
// per function, by its own frames (self) and by every stack it appears on (total), and
// grouped by where the code lives (our lib/, the AWS SDK, other packages, Node itself).

export interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based, in the code V8 ran (tsx's output for our .ts files). */
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface FunctionTime {
  /** `name (file:line)`, the file relative to the project, line 1-based in the source. */
  label: string;
  category: string;
  selfMs: number;
  totalMs: number;
  /** Shares of all non-idle time, 0..1. */
  selfShare: number;
  totalShare: number;
}

export interface ProfileSummary {
  /** Sampled non-idle milliseconds. */
  busyMs: number;
  functions: FunctionTime[];
  /** Self time per category, shares of busyMs. */
  categories: Record<string, number>;
}

/** Maps a generated position to the source (e.g. through node:module's findSourceMap). */
export type Locate = (url: string, line: number, column: number) => { file: string; line: number } | undefined;

const SYNTHETIC = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/** Where code lives: `sluice` (lib/ of this project), `aws-sdk`, a package name, `node`, or a V8 pseudo-frame. */
export function categorize(url: string, functionName: string, projectRoot: string): string {
  if (!url) return SYNTHETIC.has(functionName) ? functionName : 'node (native)';
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice(7)) : url;
  const root = projectRoot.endsWith('/') ? projectRoot : `${projectRoot}/`;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 14).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/') || pkg === 'fast-xml-parser' || pkg === 'strnum') return 'aws-sdk';
    return pkg;
  }
  if (path.startsWith(`${root}lib/bench/`)) return 'bench harness';
  if (path.startsWith(root)) return 'sluice';
  if (path.startsWith('node:') || !path.startsWith('/')) return 'node';
  return 'other';
}

export function summarizeProfile(profile: CpuProfile, opts: { projectRoot: string; locate?: Locate }): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfByNode = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (the last takes the mean gap).
    const next = deltas[i + 1];
    const dt = (next ?? (profile.endTime - profile.startTime) / Math.max(1, samples.length)) / 1000;
    selfByNode.set(samples[i]!, (selfByNode.get(samples[i]!) ?? 0) + dt);
  }

  const root = opts.projectRoot;
  const labelCache = new Map<number, { label: string; category: string }>();
  const describe = (node: ProfileNode) => {
    let hit = labelCache.get(node.id);
    if (hit) return hit;
    const f = node.callFrame;
    const category = categorize(f.url, f.functionName, root);
    const name = f.functionName || '(anonymous)';
    let label = name;
    if (f.url) {
      const located = opts.locate?.(f.url, f.lineNumber, f.columnNumber);
      const file = located?.file ?? f.url;
      const line = located?.line ?? f.lineNumber + 1;
      label = `${name} (${shortFile(file, root)}:${line})`;
    }
    hit = { label, category };
    labelCache.set(node.id, hit);
    return hit;
  };

  const fns = new Map<string, { category: string; selfMs: number; totalMs: number }>();
  const categories: Record<string, number> = {};
  let busy = 0;
  for (const [id, ms] of selfByNode) {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += ms;
    const own = describe(node);
    categories[own.category] = (categories[own.category] ?? 0) + ms;
    // Self time to the leaf; total time to each distinct function on the stack.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (n.callFrame.functionName === '(root)') break;
      const d = describe(n);
      if (seen.has(d.label)) continue;
      seen.add(d.label);
      let f = fns.get(d.label);
      if (!f) fns.set(d.label, (f = { category: d.category, selfMs: 0, totalMs: 0 }));
      f.totalMs += ms;
      if (cur === id) f.selfMs += ms;
    }
  }
  const functions = [...fns.entries()]
    .map(([label, f]) => ({ label, category: f.category, selfMs: f.selfMs, totalMs: f.totalMs, selfShare: busy ? f.selfMs / busy : 0, totalShare: busy ? f.totalMs / busy : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs);
  for (const k of Object.keys(categories)) categories[k] = busy ? categories[k]! / busy : 0;
  return { busyMs: busy, functions, categories };
}

function shortFile(file: string, root: string): string {
  const path = file.startsWith('file://') ? decodeURIComponent(file.slice(7)) : file;
  const r = root.endsWith('/') ? root : `${root}/`;
  if (path.startsWith(r)) return path.slice(r.length);
  const nm = path.lastIndexOf('/node_modules/');
  return nm >= 0 ? path.slice(nm + 14) : path;
}
