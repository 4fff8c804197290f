import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './app/App.svelte';
import { applyTheme, readTheme } from './app/theme';
import { appUpdate } from './app/updates.svelte';
import './app/styles.css';

applyTheme(readTheme());
window
  .matchMedia('(prefers-color-scheme: dark)')
  .addEventListener('change', () => applyTheme(readTheme()));

// The service worker precaches the whole app (TF.js worker included) so it runs offline after
// the first visit. It exists only in builds; the dev server serves a no-op module. A new build
// waits until the user reloads (src/app/updates.svelte.ts), never in the middle of a job.
if (import.meta.env.PROD) {
  const updateServiceWorker = registerSW({
    immediate: true,
    onNeedRefresh: () => appUpdate.needRefresh(),
    onOfflineReady: () => (appUpdate.offlineReady = true),
  });
  appUpdate.attach(async () => {
    // Workbox reloads only for updates it found itself; one the browser found while the tab was
    // open (an "external" worker) takes control without a reload, so reload on the switch here.
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), {
      once: true,
    });
    await updateServiceWorker(true);
  });
}

export default mount(App, { target: document.getElementById('app')! });
