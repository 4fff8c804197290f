// Soft claims on the items shown in labeling tabs (issue 18.8): two tabs on one project used to
// label the same items, the last label silently winning. Each tab announces the items it shows
// over a BroadcastChannel (claims.svelte.ts); every other tab's queue skips them until the claim
// is released or expires. Soft: nothing is refused, a tab that closes without a word (crash,
// killed) only holds its items until the expiry. Pure bookkeeping here, testable in Node.

/** The channel every tab of this origin shares. */
export const CLAIMS_CHANNEL = 'inloop-claims';

/**
 * How long a claim lasts without renewal. Long enough that a person reading a hard item keeps it
 * (the tab renews every third of this), short enough that a closed tab's items come back soon.
 */
export const CLAIM_TTL_MS = 60_000;

/**
 * What tabs tell each other. `scope` is the database name and project id ("inloop/<id>"): tabs on
 * another project, or tests on their own databases, ignore each other.
 */
export type ClaimMessage =
  | {
      kind: 'claim';
      scope: string;
      tabId: string;
      itemIds: string[];
      /** When the tab started showing them (ties: the earlier claim keeps the item). */
      claimedAt: number;
      expiresAt: number;
    }
  | { kind: 'release'; scope: string; tabId: string }
  /** A tab that opens asks the others to announce what they show. */
  | { kind: 'hello'; scope: string; tabId: string };

interface Claim {
  tabId: string;
  claimedAt: number;
  expiresAt: number;
}

/** The claims other tabs hold, by item; one tab's newest claim replaces its previous one. */
export class ClaimTable {
  readonly #byItem = new Map<string, Claim>();
  readonly #itemsOfTab = new Map<string, string[]>();

  constructor(
    readonly scope: string,
    readonly ownTabId: string,
  ) {}

  /** Applies a message; true when what is claimed changed. */
  apply(message: ClaimMessage): boolean {
    if (message.scope !== this.scope || message.tabId === this.ownTabId) return false;
    if (message.kind === 'hello') return false;
    const had = this.#itemsOfTab.get(message.tabId) ?? [];
    for (const id of had) {
      if (this.#byItem.get(id)?.tabId === message.tabId) this.#byItem.delete(id);
    }
    this.#itemsOfTab.delete(message.tabId);
    if (message.kind === 'release') return had.length > 0;
    const claim = {
      tabId: message.tabId,
      claimedAt: message.claimedAt,
      expiresAt: message.expiresAt,
    };
    for (const id of message.itemIds) this.#byItem.set(id, claim);
    this.#itemsOfTab.set(message.tabId, [...message.itemIds]);
    return true;
  }

  /**
   * Whether another tab holds the item at `now`. When this tab shows it too (`ownClaimedAt`), the
   * earlier claim wins, then the lower tab id: both tabs reach the same answer, so exactly one of
   * two tabs that opened the same item at once moves on.
   */
  heldByOther(itemId: string, now: number, ownClaimedAt?: number): boolean {
    const c = this.#byItem.get(itemId);
    if (!c || c.expiresAt <= now) return false;
    if (ownClaimedAt === undefined) return true;
    return c.claimedAt < ownClaimedAt || (c.claimedAt === ownClaimedAt && c.tabId < this.ownTabId);
  }

  /** Drops expired claims; true when any was dropped. */
  expire(now: number): boolean {
    let changed = false;
    for (const [id, c] of this.#byItem) {
      if (c.expiresAt <= now) {
        this.#byItem.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  /** The earliest expiry still ahead, to schedule the next sweep (null: none held). */
  nextExpiry(): number | null {
    let next: number | null = null;
    for (const c of this.#byItem.values())
      if (next === null || c.expiresAt < next) next = c.expiresAt;
    return next;
  }

  get size(): number {
    return this.#byItem.size;
  }
}

/** Whether a value received on the channel is a well-formed claim message. */
export function isClaimMessage(x: unknown): x is ClaimMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  if (typeof m.scope !== 'string' || typeof m.tabId !== 'string') return false;
  if (m.kind === 'release' || m.kind === 'hello') return true;
  return (
    m.kind === 'claim' &&
    Array.isArray(m.itemIds) &&
    m.itemIds.every((id) => typeof id === 'string') &&
    typeof m.claimedAt === 'number' &&
    typeof m.expiresAt === 'number'
  );
}
