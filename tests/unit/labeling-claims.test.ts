// Item claims between labeling tabs (issue 18.8), the pure table: another tab's claim holds its
// items until released, replaced or expired; a tie between two tabs showing one item at once is
// settled the same way on both sides; other scopes and malformed messages are ignored.
import { describe, expect, it } from 'vitest';
import { ClaimTable, isClaimMessage, type ClaimMessage } from '../../src/labeling/claims';

const scope = 'inloop/p';
function claim(
  tabId: string,
  itemIds: string[],
  claimedAt: number,
  expiresAt: number,
): ClaimMessage {
  return { kind: 'claim', scope, tabId, itemIds, claimedAt, expiresAt };
}

describe('ClaimTable', () => {
  it('holds another tab’s items until release, replacement or expiry', () => {
    const t = new ClaimTable(scope, 'me');
    expect(t.apply(claim('other', ['a', 'b'], 0, 100))).toBe(true);
    expect(t.heldByOther('a', 50)).toBe(true);
    expect(t.heldByOther('c', 50)).toBe(false);
    // The tab moves on: its new claim replaces the old one.
    t.apply(claim('other', ['c'], 60, 160));
    expect(t.heldByOther('a', 70)).toBe(false);
    expect(t.heldByOther('c', 70)).toBe(true);
    // Expired claims free their items even without a message (a closed or crashed tab).
    expect(t.heldByOther('c', 160)).toBe(false);
    expect(t.nextExpiry()).toBe(160);
    expect(t.expire(161)).toBe(true);
    expect(t.size).toBe(0);
    t.apply(claim('other', ['d'], 200, 300));
    expect(t.apply({ kind: 'release', scope, tabId: 'other' })).toBe(true);
    expect(t.heldByOther('d', 210)).toBe(false);
  });

  it('settles a tie the same way in both tabs: earlier claim, then lower tab id', () => {
    const a = new ClaimTable(scope, 'tab-a');
    const b = new ClaimTable(scope, 'tab-b');
    a.apply(claim('tab-b', ['x'], 10, 100));
    b.apply(claim('tab-a', ['x'], 10, 100));
    // Same instant: tab-a keeps x, tab-b moves on.
    expect(a.heldByOther('x', 20, 10)).toBe(false);
    expect(b.heldByOther('x', 20, 10)).toBe(true);
    // An earlier claim wins whatever the ids.
    const c = new ClaimTable(scope, 'tab-a');
    c.apply(claim('tab-z', ['y'], 5, 100));
    expect(c.heldByOther('y', 20, 10)).toBe(true);
  });

  it('ignores its own messages, other scopes and malformed data', () => {
    const t = new ClaimTable(scope, 'me');
    expect(t.apply(claim('me', ['a'], 0, 100))).toBe(false);
    expect(t.apply({ ...claim('o', ['a'], 0, 100), scope: 'inloop/q' })).toBe(false);
    expect(t.heldByOther('a', 1)).toBe(false);
    expect(isClaimMessage(claim('o', ['a'], 0, 1))).toBe(true);
    expect(
      isClaimMessage({
        kind: 'claim',
        scope,
        tabId: 'o',
        itemIds: [1],
        claimedAt: 0,
        expiresAt: 1,
      }),
    ).toBe(false);
    expect(isClaimMessage({ kind: 'steal', scope, tabId: 'o' })).toBe(false);
    expect(isClaimMessage(null)).toBe(false);
  });
});
