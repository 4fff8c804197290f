// The in-browser half of `npm run bench`: bench/run.mjs opens this page in headless Chromium and
// each suite in bench/suites/ calls its part of `window.inloopBench` through Playwright. Add a
// suite's page-side functions as their own module here.
import { automationBench } from './automation';
import { backendsBench } from './backends';
import { ingestBench } from './ingest';
import { labelingBench } from './labeling';
import { learnersBench } from './learners';
import { monitoringBench } from './monitoring';
import { trainingBench } from './training';
import { workspaceBench } from './workspace';

const inloopBench = {
  ...automationBench,
  ...backendsBench,
  ...ingestBench,
  ...labelingBench,
  ...learnersBench,
  ...monitoringBench,
  ...trainingBench,
  ...workspaceBench,
};

declare global {
  interface Window {
    inloopBench: typeof inloopBench;
  }
}

window.inloopBench = inloopBench;
