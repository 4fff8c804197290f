// Vite's `?url` imports (a built asset's URL), for the worker's type environment, which does not
// load vite/client (it brings DOM types a worker must not see).
declare module '*?url' {
  const url: string;
  export default url;
}
