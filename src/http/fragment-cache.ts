/**
 * Parts of private pages kept once rendered, each under a key that names everything it was made
 * from (so a changed input is a new key, never a stale answer), the least recently used dropped
 * beyond `capacity`. For parts that cost far more to build than to look up, and that a person
 * opens again unchanged: a buyer's weeks on the park's cameras change twice a year.
 */
export class FragmentCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity: number) {}

  get(key: string, build: () => T): T {
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      // Map keeps insertion order: moving a hit to the end makes the first entry the least recent.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    const value = build();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
