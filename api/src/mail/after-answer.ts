/**
 * Work begun once the current turn's I/O is done, so that the answer to whoever asked is on its
 * way first (neither it nor its time tells what the work finds), and waited for when the shop
 * stops. The mails of password resets and email changes go this way.
 */
export class AfterAnswer {
  /** The work started by `run` and not yet done. */
  private readonly pending = new Set<Promise<void>>();

  /** Starts `work` after this turn; it handles its own failures (a rejection is dropped). */
  run(work: () => Promise<void>): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch(() => {})
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /**
   * Waits for the work under way, for at most `withinMs`: the shop stopping, before the database
   * closes.
   */
  async settle(withinMs = Number.POSITIVE_INFINITY): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      if (Number.isFinite(withinMs)) timer = setTimeout(resolve, withinMs).unref();
    });
    const all = (async () => {
      while (this.pending.size) await Promise.all(this.pending);
    })();
    await Promise.race([all, late]);
    clearTimeout(timer);
  }
}
