export type NoticeTone = 'info' | 'ok' | 'error';

export interface Notice {
  id: number;
  tone: NoticeTone;
  text: string;
}

/** Short-lived messages after an action ("Project deleted", a storage error). Errors stay until dismissed. */
export class Notices {
  list = $state<Notice[]>([]);
  #next = 1;

  push(tone: NoticeTone, text: string): void {
    const id = this.#next++;
    this.list.push({ id, tone, text });
    if (tone !== 'error') setTimeout(() => this.dismiss(id), 4000);
  }

  dismiss(id: number): void {
    this.list = this.list.filter((n) => n.id !== id);
  }
}
