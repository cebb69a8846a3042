// Turns: a FIFO semaphore. Fetches of several partitions wait for a turn in the order they
// asked, so a partition with a large backlog never starves the others.

export class Turns {
  private readonly queue: Array<() => void> = [];

  constructor(private free: number) {}

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.free++;
  }
}
