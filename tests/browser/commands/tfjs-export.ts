// A Vitest browser command that runs in Node (not in the page): it opens a version export zip
// the page built, loads `model.json` + its weights files with TF.js exactly as written — the
// weights manifest's paths resolved inside the zip, as `tf.loadLayersModel` resolves them next to
// a model.json on disk or a server — and returns the model's probabilities for the given feature
// rows. This is "another TF.js" than the app's worker: a separate process and TF.js instance on
// the CPU backend.
import type { Tensor } from '@tensorflow/tfjs';
import type { BrowserCommand } from 'vitest/node';

export interface LoadedExportResult {
  probabilities: number[][];
  /** `modelTopology.config.name`-independent facts, to show the model really loaded. */
  layers: number;
  inputShape: (number | null)[];
}

export const loadTfjsExport: BrowserCommand<[zipBase64: string, rows: number[][]]> = async (
  _context,
  zipBase64,
  rows,
): Promise<LoadedExportResult> => {
  const { unzipSync, strFromU8 } = await import('fflate');
  const tf = await import('@tensorflow/tfjs');
  if (!(await tf.setBackend('cpu'))) throw new Error('TF.js CPU backend unavailable in Node');
  const files = unzipSync(new Uint8Array(Buffer.from(zipBase64, 'base64')));
  const modelFile = files['model.json'];
  if (!modelFile) throw new Error('The export has no model.json');
  const modelJson = JSON.parse(strFromU8(modelFile)) as Parameters<
    typeof tf.io.getModelArtifactsForJSON
  >[0];
  const handler: Parameters<typeof tf.loadLayersModel>[0] = {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) =>
          group.paths.map((path) => {
            const bytes = files[path];
            if (!bytes) throw new Error(`The export lacks the weights file ${path}`);
            return bytes;
          }),
        );
        const total = buffers.reduce((n, b) => n + b.byteLength, 0);
        const joined = new Uint8Array(total);
        let at = 0;
        for (const b of buffers) {
          joined.set(b, at);
          at += b.byteLength;
        }
        return Promise.resolve([specs, joined.buffer]);
      }),
  };
  const model = await tf.loadLayersModel(handler);
  try {
    const x = tf.tensor2d(rows);
    const y = model.predict(x) as Tensor;
    const probabilities = (await y.array()) as number[][];
    x.dispose();
    y.dispose();
    return {
      probabilities,
      layers: model.layers.length,
      inputShape: model.inputs[0]!.shape,
    };
  } finally {
    model.dispose();
  }
};

declare module 'vitest/browser' {
  interface BrowserCommands {
    loadTfjsExport: (zipBase64: string, rows: number[][]) => Promise<LoadedExportResult>;
  }
}
