// What both GPU benchmarks print: the machine they ran on, and one JSON document on stdout (and in
// $OUT/<file> when OUT is set), after which the process exits (Dawn keeps it alive otherwise).
import { writeFileSync } from 'node:fs';
import os from 'node:os';

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

export function machineOf(runtime: string, gpuAdapter: unknown) {
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: { model: os.cpus()[0]?.model ?? 'unknown', count: os.cpus().length },
    node: process.version,
    runtime,
    gpuAdapter: gpuAdapter ?? null,
  };
}

export function emit(file: string, result: object): never {
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  if (process.env.OUT) writeFileSync(`${process.env.OUT}/${file}`, json);
  process.exit(0);
}
