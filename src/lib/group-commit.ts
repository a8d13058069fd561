/** Items written in one commit at most. */
const MAX_BATCH = 500;

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: items submitted in the same turn of the event loop are written by one call of
 * `commit` (one transaction, so one fsync for many webhook deliveries). A promise settles only
 * after that call returns, so an answer sent on it still means "on disk". `commit` returns one
 * result per item, in order.
 */
export class GroupCommit<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private isScheduled = false;

  constructor(private readonly commit: (items: I[]) => O[]) {}

  submit(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.isScheduled) {
        this.isScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.waiting.splice(0, MAX_BATCH);
    this.isScheduled = this.waiting.length > 0;
    if (this.isScheduled) setImmediate(() => this.flush());
    try {
      const results = this.commit(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
