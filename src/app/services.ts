// The composition root's long-lived services: one ML bridge for the whole page, so one worker
// owns TF.js and the GPU device.
import { MlBridge } from '../training';

export const mlBridge = new MlBridge();
