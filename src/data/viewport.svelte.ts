// Virtual scrolling arithmetic: which rows of a fixed-row-height list are visible in a scrolling
// box, plus a few rows of overscan so fast scrolling does not flash empty space. Only those rows
// are rendered; spacers above and below keep the scrollbar true to the whole list.

const OVERSCAN = 6;

export class Viewport {
  scrollTop = $state(0);
  height = $state(480);
  width = $state(800);
  readonly rowHeight: number;
  #count = $state(0);

  constructor(rowHeight: number) {
    this.rowHeight = rowHeight;
  }

  set count(n: number) {
    this.#count = n;
  }

  get count(): number {
    return this.#count;
  }

  // Plain getters: cheap arithmetic, and they need `rowHeight`, which field initialisers would
  // read before the constructor sets it.
  get start(): number {
    return Math.max(0, Math.floor(this.scrollTop / this.rowHeight) - OVERSCAN);
  }

  get end(): number {
    return Math.min(
      this.#count,
      Math.ceil((this.scrollTop + this.height) / this.rowHeight) + OVERSCAN,
    );
  }

  /** Indexes of the rows to render. */
  get indexes(): number[] {
    const start = this.start;
    return Array.from({ length: Math.max(0, this.end - start) }, (_, i) => start + i);
  }

  get padTop(): number {
    return this.start * this.rowHeight;
  }

  get padBottom(): number {
    return Math.max(0, (this.#count - this.end) * this.rowHeight);
  }

  /** An attachment for the scrolling element: follows its scroll position and height. */
  track = (node: HTMLElement): (() => void) => {
    const onScroll = () => (this.scrollTop = node.scrollTop);
    const measure = () => {
      this.height = node.clientHeight;
      this.width = node.clientWidth;
    };
    const observer = new ResizeObserver(measure);
    node.addEventListener('scroll', onScroll, { passive: true });
    observer.observe(node);
    measure();
    return () => {
      node.removeEventListener('scroll', onScroll);
      observer.disconnect();
    };
  };
}
