// Swipe to skip on a touch screen: a sideways swipe on the item card does what the `s` key and
// the Skip button do. Touch and pen only: a mouse drag on the card selects text, as it should.
import type { Attachment } from 'svelte/attachments';

/**
 * How far a finger must travel sideways, in CSS pixels, before lifting: far enough that a tap or
 * a scroll that drifts never skips, short enough for a thumb on a 360 px phone (a quarter of it).
 */
export const SWIPE_DISTANCE = 80;

/** `{@attach swipeAside(() => labeling.skip())}`: calls `onSwipe` after a horizontal swipe. */
export function swipeAside(onSwipe: () => void): Attachment<HTMLElement> {
  return (el) => {
    let start: { id: number; x: number; y: number } | null = null;
    const reset = () => {
      start = null;
      el.style.translate = '';
    };
    const down = (e: PointerEvent) => {
      if (e.pointerType === 'mouse' || !e.isPrimary) return;
      start = { id: e.pointerId, x: e.clientX, y: e.clientY };
    };
    const move = (e: PointerEvent) => {
      if (start?.id !== e.pointerId) return;
      // The card follows the finger sideways, so the gesture is visible before it counts.
      const dx = e.clientX - start.x;
      el.style.translate = Math.abs(dx) > 8 ? `${dx}px 0` : '';
    };
    const up = (e: PointerEvent) => {
      if (start?.id !== e.pointerId) return;
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      reset();
      // Mostly sideways: a vertical scroll that wanders 80 px to the side is still a scroll.
      if (Math.abs(dx) > SWIPE_DISTANCE && Math.abs(dx) > 2 * Math.abs(dy)) onSwipe();
    };
    el.addEventListener('pointerdown', down);
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', reset);
    return () => {
      el.removeEventListener('pointerdown', down);
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', reset);
    };
  };
}
