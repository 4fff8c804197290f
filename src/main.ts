import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './app/App.svelte';
import { applyTheme, readTheme } from './app/theme';
import './app/styles.css';

applyTheme(readTheme());
window
  .matchMedia('(prefers-color-scheme: dark)')
  .addEventListener('change', () => applyTheme(readTheme()));

// The service worker precaches the whole app (TF.js worker included) so it runs offline after
// the first visit. It exists only in builds; the dev server serves a no-op module.
if (import.meta.env.PROD) registerSW({ immediate: true });

export default mount(App, { target: document.getElementById('app')! });
