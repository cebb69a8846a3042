// split().branch(): Kafka Streams' BranchedKStream. Each record goes to the first branch
// whose predicate holds, else to the default branch if there is one, else nowhere.
// Branches are named by the split's prefix and the branch name, or a 1-based position
// (the default branch: "0"), and returned in a map by those names.
import { InvalidTopologyError } from '../../core/errors.ts';
import { branchNode, passThrough } from '../engine/nodes.ts';
import { KStream } from './kstream.ts';

export interface Branched<K, V> {
  name?: string;
  /** Transforms the branch; the result is what the map holds under the branch's name. */
  withFunction?: (branch: KStream<K, V>) => KStream<K, V> | undefined;
  /** Consumes the branch; it is then left out of the map. */
  withConsumer?: (branch: KStream<K, V>) => void;
}

export class BranchedKStream<K, V> {
  private readonly branches: Array<{ child: string; predicate: (key: unknown, value: unknown) => boolean }> = [];
  private defaultChild: string | undefined;
  private readonly result: Record<string, KStream<K, V>> = {};
  private readonly prefix: string;
  private readonly splitNode: string;
  private done = false;

  /** @internal */
  constructor(
    private readonly parent: KStream<K, V>,
    name: string | undefined,
  ) {
    const b = parent.builder;
    this.prefix = name ?? `${b.name('KSTREAM-BRANCH')}-`;
    this.splitNode = b.add({
      kind: 'branch',
      prefix: '',
      named: `${this.prefix}split`,
      parents: [parent.node],
      create: (ctx) => branchNode(this.branches, this.defaultChild)(ctx),
    });
  }

  branch(predicate: (key: K, value: V) => boolean, branched: Branched<K, V> = {}): this {
    const child = this.addChild(branched, String(this.branches.length + 1));
    this.branches.push({ child: child.node, predicate: predicate as (k: unknown, v: unknown) => boolean });
    return this;
  }

  defaultBranch(branched: Branched<K, V> = {}): Record<string, KStream<K, V>> {
    const child = this.addChild(branched, '0');
    this.defaultChild = child.node;
    return this.finish();
  }

  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.finish();
  }

  private addChild(branched: Branched<K, V>, position: string): KStream<K, V> {
    if (this.done) throw new InvalidTopologyError('this split is finished: defaultBranch() or noDefaultBranch() was called');
    const name = `${this.prefix}${branched.name ?? position}`;
    const b = this.parent.builder;
    const node = b.add({ kind: 'branch-child', prefix: '', named: name, parents: [this.splitNode], create: passThrough });
    const stream = new KStream<K, V>(b, node, this.parent.serdes, this.parent.keyChanged);
    if (branched.withConsumer) branched.withConsumer(stream);
    else {
      const out = branched.withFunction ? branched.withFunction(stream) : stream;
      if (out) this.result[name] = out;
    }
    return stream;
  }

  private finish(): Record<string, KStream<K, V>> {
    this.done = true;
    return { ...this.result };
  }
}
