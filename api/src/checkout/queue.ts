/**
 * The queue in front of the stock writer. The embedded default is in memory (pending orders are
 * durable in the orders table and re-enqueued at start); a durable stream (NATS JetStream,
 * partitioned by stock partition) would implement the same interface, its `take` a promise (a
 * fetch from the stream): the writer awaits one, and takes the embedded queue's answer at once.
 */
export interface OrderQueue {
  enqueue(orderId: string): void;
  /** Takes up to `max` order ids, oldest first. */
  take(max: number): string[] | Promise<string[]>;
  readonly size: number;
  /** Called when the queue goes from empty to non-empty. */
  onReady(listener: () => void): void;
}

export class InMemoryOrderQueue implements OrderQueue {
  private items: string[] = [];
  private head = 0;
  private listener: (() => void) | undefined;

  get size(): number {
    return this.items.length - this.head;
  }

  enqueue(orderId: string): void {
    const wasEmpty = this.size === 0;
    this.items.push(orderId);
    if (wasEmpty) this.listener?.();
  }

  take(max: number): string[] {
    const out = this.items.slice(this.head, this.head + max);
    this.head += out.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  onReady(listener: () => void): void {
    this.listener = listener;
  }
}
