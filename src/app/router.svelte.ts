import { sectionById, type SectionId } from './sections';

/**
 * Hash routing (#/data): the app is static files, works from any path and offline, and the
 * service worker never sees a deep link it does not know.
 */
export class Router {
  section = $state<SectionId>('projects');

  constructor() {
    this.section = parse(location.hash);
    window.addEventListener('hashchange', () => {
      this.section = parse(location.hash);
    });
  }

  go(id: SectionId): void {
    if (this.section === id) return;
    location.hash = `#/${id}`;
  }
}

function parse(hash: string): SectionId {
  const id = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return sectionById(id)?.id ?? 'projects';
}
