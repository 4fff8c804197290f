// Serving news for the rest of the page: the Monitor page subscribes here to refresh as
// predictions and delayed labels are written, and finds a stream replay that is still running
// after the Serve page was left (a replay belongs to the page session, not to the Serve view).
import type { PredictionMode } from '../persistence/schema';
import type { ReplayEvent, StreamReplay } from './replay';

export type ServingEvent =
  | {
      kind: 'predictions-logged';
      projectId: string;
      mode: PredictionMode;
      jobId: string;
      count: number;
    }
  | { kind: 'labels-written'; projectId: string; count: number; source: 'replay' | 'file' }
  | { kind: 'replay'; projectId: string; replay: StreamReplay; event: ReplayEvent };

export type ServingListener = (event: ServingEvent) => void;

export class ServingHub {
  readonly #listeners = new Set<ServingListener>();
  readonly #replays = new Map<string, StreamReplay>();

  subscribe(listener: ServingListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: ServingEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  /** The project's replay that is running or paused, if any. */
  activeReplay(projectId: string): StreamReplay | undefined {
    const replay = this.#replays.get(projectId);
    return replay && (replay.state === 'running' || replay.state === 'paused') ? replay : undefined;
  }

  /**
   * Makes `replay` the project's replay and forwards its events (as `replay`,
   * `predictions-logged` and `labels-written` events) until it ends.
   */
  track(projectId: string, replay: StreamReplay): void {
    this.#replays.set(projectId, replay);
    const stop = replay.on((event) => {
      this.emit({ kind: 'replay', projectId, replay, event });
      if (event.kind === 'batch') {
        this.emit({
          kind: 'predictions-logged',
          projectId,
          mode: 'replay',
          jobId: replay.jobId,
          count: event.records.length,
        });
        if (event.labels.length > 0) {
          this.emit({
            kind: 'labels-written',
            projectId,
            count: event.labels.length,
            source: 'replay',
          });
        }
      } else if (event.state !== 'running' && event.state !== 'paused') {
        stop();
      }
    });
  }
}

/** The page's hub. */
export const servingHub = new ServingHub();
