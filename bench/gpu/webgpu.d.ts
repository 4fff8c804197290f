// The parts of the `webgpu` npm package (Dawn for Node) the GPU benchmark uses. The package is
// carried to the GPU machine, not installed here.
declare module 'webgpu' {
  export function create(flags: string[]): GPU;
  export const globals: Record<string, unknown>;
}
