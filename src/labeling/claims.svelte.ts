// This tab's side of the item claims (claims.ts): announces what the labeling tab shows over the
// 'inloop-claims' BroadcastChannel, renews it while shown, releases it on leave, and answers
// `heldByOther(id)` reactively (messages and expiries bump a version the queue's $derived reads).
// Not a createSubscriber wrapper: the claim must be sent for as long as the labeling session
// lives, whether or not anything reads other tabs' claims at that moment.
import {
  CLAIMS_CHANNEL,
  CLAIM_TTL_MS,
  ClaimTable,
  isClaimMessage,
  type ClaimMessage,
} from './claims';

export interface ItemClaimsOptions {
  /** Channel name (tests isolate themselves; default CLAIMS_CHANNEL). */
  channelName?: string;
  tabId?: string;
  now?: () => number;
  ttlMs?: number;
}

export class ItemClaims {
  readonly tabId: string;
  readonly #table: ClaimTable;
  readonly #channel: BroadcastChannel | null;
  readonly #now: () => number;
  readonly #ttl: number;
  #version = $state(0);
  #own: { itemIds: string[]; claimedAt: number } | null = null;
  #renewTimer: ReturnType<typeof setInterval> | null = null;
  #expiryTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly scope: string,
    options: ItemClaimsOptions = {},
  ) {
    this.tabId = options.tabId ?? crypto.randomUUID();
    this.#now = options.now ?? Date.now;
    this.#ttl = options.ttlMs ?? CLAIM_TTL_MS;
    this.#table = new ClaimTable(scope, this.tabId);
    // Some embedded browsers lack BroadcastChannel: one tab then works as before.
    this.#channel =
      typeof BroadcastChannel === 'undefined'
        ? null
        : new BroadcastChannel(options.channelName ?? CLAIMS_CHANNEL);
    if (this.#channel) {
      this.#channel.onmessage = (e: MessageEvent<unknown>) => this.#receive(e.data);
      this.#post({ kind: 'hello', scope, tabId: this.tabId });
    }
  }

  /** Whether another tab shows this item now (this tab's own earlier claim wins a tie). */
  heldByOther(itemId: string): boolean {
    void this.#version;
    const own = this.#own?.itemIds.includes(itemId) ? this.#own.claimedAt : undefined;
    return this.#table.heldByOther(itemId, this.#now(), own);
  }

  /** Claims the items this tab shows now (an empty list releases them). */
  show(itemIds: readonly string[]): void {
    const same =
      this.#own !== null &&
      this.#own.itemIds.length === itemIds.length &&
      this.#own.itemIds.every((id, i) => id === itemIds[i]);
    if (same) return;
    if (itemIds.length === 0) {
      this.#own = null;
      this.#stopRenewing();
      this.#post({ kind: 'release', scope: this.scope, tabId: this.tabId });
      return;
    }
    this.#own = { itemIds: [...itemIds], claimedAt: this.#now() };
    this.#announce();
    if (this.#renewTimer === null) {
      this.#renewTimer = setInterval(() => this.#announce(), this.#ttl / 3);
    }
  }

  dispose(): void {
    this.show([]);
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    this.#channel?.close();
  }

  #announce(): void {
    if (!this.#own) return;
    this.#post({
      kind: 'claim',
      scope: this.scope,
      tabId: this.tabId,
      itemIds: this.#own.itemIds,
      claimedAt: this.#own.claimedAt,
      expiresAt: this.#now() + this.#ttl,
    });
  }

  #stopRenewing(): void {
    if (this.#renewTimer !== null) clearInterval(this.#renewTimer);
    this.#renewTimer = null;
  }

  #post(message: ClaimMessage): void {
    this.#channel?.postMessage(message);
  }

  #receive(data: unknown): void {
    if (!isClaimMessage(data)) return;
    if (data.kind === 'hello') {
      if (data.scope === this.scope && data.tabId !== this.tabId) this.#announce();
      return;
    }
    if (this.#table.apply(data)) {
      this.#version++;
      this.#scheduleExpiry();
    }
  }

  /** Wakes up at the next expiry so an abandoned claim frees its items without a message. */
  #scheduleExpiry(): void {
    if (this.#expiryTimer !== null) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    const next = this.#table.nextExpiry();
    if (next === null) return;
    this.#expiryTimer = setTimeout(
      () => {
        this.#expiryTimer = null;
        if (this.#table.expire(this.#now())) this.#version++;
        this.#scheduleExpiry();
      },
      Math.max(0, next - this.#now()) + 1,
    );
  }
}
