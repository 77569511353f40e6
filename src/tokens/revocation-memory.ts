/** A revocation outlives its token by this much: the registrant codec still accepts a token 5 s past its exp. */
export const REVOCATION_MARGIN_SECONDS = 60;

/** Every token of a subject issued at or before `cutoff` (epoch seconds) is refused until `until` (ms since the epoch). */
export interface Cutoff {
  readonly cutoff: number;
  readonly until: number;
}

/**
 * The revocations a process holds in memory: jtis by subject, and subjects'
 * cut-offs, at most `max` entries together. At the maximum the oldest entry
 * makes room and the memory is *overflowed*: from then on a token it does
 * not hold must be looked up in the database (RevocationList does that).
 * Subject '' holds the entries of rows written before subjects were recorded.
 */
export class RevocationMemory {
  private readonly tokens = new Map<string, Map<string, number>>();
  private readonly subjects = new Map<string, Cutoff>();
  private size = 0;
  private evicted = 0;
  private overflowed = false;

  constructor(
    private readonly max: number,
    /** Called once each time the memory first overflows. */
    private readonly onOverflow: () => void,
  ) {}

  get held(): number {
    return this.size;
  }

  /** Entries dropped to make room so far: a load that sees this grow did not fit. */
  get evictions(): number {
    return this.evicted;
  }

  get overflow(): boolean {
    return this.overflowed;
  }

  /** Everything live fits again (the caller has checked and reloaded). */
  leaveOverflow(): void {
    this.overflowed = false;
  }

  isCutOff(subject: string, issuedAt: number, now = Date.now()): boolean {
    const cut = this.subjects.get(subject);
    return cut !== undefined && issuedAt <= cut.cutoff && cut.until > now;
  }

  holds(subject: string, jti: string, now = Date.now()): boolean {
    for (const bucket of [this.tokens.get(subject), this.tokens.get('')]) {
      const until = bucket?.get(jti);
      if (until !== undefined && until > now) return true;
    }
    return false;
  }

  remember(subject: string, jti: string, until: number, now = Date.now()): void {
    if (until <= now || this.tokens.get(subject)?.has(jti)) return;
    this.makeRoom();
    let bucket = this.tokens.get(subject);
    if (bucket === undefined) this.tokens.set(subject, (bucket = new Map()));
    bucket.set(jti, until);
    this.size += 1;
  }

  /**
   * Stores (or widens) the subject's cut-off. Returns the jtis of the subject
   * held now: the caller asks the database which of them it still lists and
   * forgets the others (the cut-off covers them).
   */
  cutOff(subject: string, cut: Cutoff, now = Date.now()): string[] {
    if (cut.until <= now) return [];
    const known = this.subjects.get(subject);
    if (known === undefined) {
      this.makeRoom();
      this.size += 1;
    }
    this.subjects.set(subject, { cutoff: Math.max(cut.cutoff, known?.cutoff ?? 0), until: Math.max(cut.until, known?.until ?? 0) });
    return [...(this.tokens.get(subject)?.keys() ?? [])];
  }

  forget(subject: string, jtis: Iterable<string>): void {
    const bucket = this.tokens.get(subject);
    if (bucket === undefined) return;
    for (const jti of jtis) if (bucket.delete(jti)) this.size -= 1;
    if (bucket.size === 0) this.tokens.delete(subject);
  }

  purgeExpired(now = Date.now()): void {
    for (const [subject, bucket] of this.tokens) {
      for (const [jti, until] of bucket) if (until <= now && bucket.delete(jti)) this.size -= 1;
      if (bucket.size === 0) this.tokens.delete(subject);
    }
    for (const [subject, cut] of this.subjects) if (cut.until <= now && this.subjects.delete(subject)) this.size -= 1;
  }

  /** At the maximum the oldest entry goes, and misses must be looked up in the database from now on. */
  private makeRoom(): void {
    if (this.size < this.max) return;
    if (!this.overflowed) {
      this.overflowed = true;
      this.onOverflow();
    }
    const first = this.tokens.entries().next().value;
    if (first === undefined) this.subjects.delete(this.subjects.keys().next().value!);
    else {
      const [subject, bucket] = first;
      bucket.delete(bucket.keys().next().value!);
      if (bucket.size === 0) this.tokens.delete(subject);
    }
    this.size -= 1;
    this.evicted += 1;
  }
}
