// The in-browser half of the `training` suite (bench/suites/training.mjs): a synthetic project is
// written into a fresh database, trained through the real ML bridge and worker on the requested
// backend, and its model then scores a pool of synthetic feature vectors.
import { MlBridge, type BackendPreference, type BackendReport } from '../../src/training';
import { presetConfig, type TrainConfig } from '../../src/training/config';
import type { EpochPoint } from '../../src/training/train-types';
import { openDatabase } from '../../src/persistence/db';
import { createRng } from '../../src/lib/rng';
import {
  writeImageProject,
  writeTabularProject,
  writeTextProject,
} from '../../tests/fixtures/training-data';

export type TrainingDataset = 'tabular' | 'text' | 'image';

export interface TrainingBenchOptions {
  dataset: TrainingDataset;
  rows: number;
  epochs: number;
  poolRows: number;
}

export interface TrainingFigures {
  report: BackendReport;
  dataset: TrainingDataset;
  rows: number;
  featureDim: number;
  trainRows: number;
  epochs: number;
  trainSamplesPerSecond: number;
  /** Seconds from the start of the run to the first epoch reaching 95% of the final val. accuracy. */
  secondsTo95: number;
  totalSeconds: number;
  finalValAccuracy: number;
  testAccuracy: number;
  poolRows: number;
  inferenceSamplesPerSecond: number;
  inferenceMs: number;
}

function configFor(dataset: TrainingDataset, epochs: number): TrainConfig {
  const base = { ...presetConfig(dataset, 'balanced', 42), family: 'network' as const };
  const common = { epochs, earlyStopping: null };
  switch (dataset) {
    case 'tabular':
      return { ...base, ...common };
    case 'text':
      return { ...base, ...common, textDim: 256 };
    case 'image':
      return { ...base, ...common, convFilters: [8, 16], hiddenUnits: [32], augment: undefined };
  }
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
    request.onblocked = () => resolve();
  });
}

function secondsTo95(curves: EpochPoint[]): number {
  const final = curves.at(-1)?.valAccuracy ?? 0;
  return curves.find((p) => p.valAccuracy >= 0.95 * final)?.seconds ?? Number.NaN;
}

export const trainingBench = {
  async training(
    prefer: BackendPreference,
    options: TrainingBenchOptions,
  ): Promise<TrainingFigures> {
    const dbName = `inloop-bench-training-${crypto.randomUUID()}`;
    const db = openDatabase(dbName);
    const bridge = new MlBridge({ prefer });
    try {
      const write = {
        tabular: writeTabularProject,
        text: writeTextProject,
        image: writeImageProject,
      };
      const project = await write[options.dataset](db, {
        projectId: options.dataset,
        rows: options.rows,
        classes: options.dataset === 'image' ? 4 : 3,
        chunkRows: 2048,
        imageSize: 8,
      });
      const report = await bridge.ready();
      const config = configFor(options.dataset, options.epochs);
      const started = performance.now();
      const result = await bridge.trainModel(
        { dbName, projectId: project.projectId, runId: 'bench', config, appVersion: 'bench' },
        {
          onProgress: (p) => {
            if (p.kind === 'epoch') {
              console.log(
                `[bench] ${report.backend} ${options.dataset} epoch ${p.point.epoch + 1}: val acc ${p.point.valAccuracy.toFixed(3)}`,
              );
            }
          },
        },
      );
      const totalSeconds = (performance.now() - started) / 1000;
      const info = await bridge.modelInfo({ dbName, runId: 'bench' });

      const rng = createRng(1);
      const x = new Float32Array(options.poolRows * info.featureDim);
      for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
      const t0 = performance.now();
      const scored = await bridge.predict({
        model: { dbName, runId: 'bench' },
        input: { kind: 'features', x, rows: options.poolRows },
        batchSize: 4096,
      });
      const inferenceMs = performance.now() - t0;
      console.log(
        `[bench] ${report.backend} ${options.dataset}: scored ${options.poolRows} in ${Math.round(inferenceMs)} ms`,
      );
      if (scored.rows !== options.poolRows) throw new Error('The pool was not fully scored');

      return {
        report,
        dataset: options.dataset,
        rows: options.rows,
        featureDim: info.featureDim,
        trainRows: result.counts.train,
        epochs: result.epochsRun,
        trainSamplesPerSecond: result.trainSamplesPerSecond,
        secondsTo95: secondsTo95(result.curves),
        totalSeconds,
        finalValAccuracy: result.metrics.valAccuracy ?? Number.NaN,
        testAccuracy: result.metrics.testAccuracy ?? Number.NaN,
        poolRows: options.poolRows,
        inferenceSamplesPerSecond: options.poolRows / (inferenceMs / 1000),
        inferenceMs,
      };
    } finally {
      await bridge.closeDatabases().catch(() => undefined);
      bridge.dispose();
      db.close();
      await deleteDatabase(dbName);
    }
  },
};
