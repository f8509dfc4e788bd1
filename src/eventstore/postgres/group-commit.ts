import type pg from 'pg';
import { prepared } from '../../db/prepared.js';

/** One append as the es_append() SQL function takes it. */
export interface AppendRequest {
  s: string; // stream id
  t: string; // stream type
  e?: number; // expected version; absent = any
  k?: string; // idempotency key
  f?: string; // request fingerprint
  g?: true; // the adapter drew every event id: no earlier try can have stored them
  p?: { p: string; o: string | null }[]; // the projects the events belong to (project id, beneficiary organisation)
  ev: { id: string; type: string; data: unknown; meta: unknown }[];
}

export type AppendResponse =
  | { v: number; dup: boolean; ids: string[]; pos: [string, string][]; err?: undefined }
  | { err: 'version'; expected: number; actual: number }
  | { err: 'idempotency' }
  | { err: 'event_id'; id: string };

interface Pending {
  request: AppendRequest;
  resolve: (r: AppendResponse) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: appends that arrive while a commit is in flight are sent together, as one
 * es_append() call in one transaction, so one disk flush covers many appends. Each append
 * keeps its own expected-version check; only whole-transaction failures (e.g. a deadlock
 * with another process) are retried append by append, so one bad append never fails others.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxConcurrent: number,
    private readonly maxGroup: number,
  ) {}

  submit(request: AppendRequest): Promise<AppendResponse> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Cuts the next group on the next turn of the event loop, not at once: callers answered by
   * one commit append again in the same turn, and then share one group instead of the first
   * of them leaving alone (16 writers: average group 4.7 before, 16 after).
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Resolves once every submitted append has been answered. */
  async drain(): Promise<void> {
    while (this.inFlight > 0 || this.queue.length > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      this.inFlight++;
      void this.commit(group).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    // Lock streams in one order in every group, so concurrent groups cannot deadlock.
    const ordered = [...group].sort((a, b) => (a.request.s < b.request.s ? -1 : a.request.s > b.request.s ? 1 : 0));
    try {
      const responses = await this.execute(ordered.map((p) => p.request));
      ordered.forEach((p, i) => p.resolve(responses[i]!));
    } catch (error) {
      if (ordered.length === 1) {
        ordered[0]!.reject(error);
        return;
      }
      for (const p of ordered) {
        try {
          // The failed group may have committed after all (lost answer): look the ids up this time.
          p.resolve((await this.execute([{ ...p.request, g: undefined }]))[0]!);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }

  private async execute(requests: AppendRequest[]): Promise<AppendResponse[]> {
    // A single statement is its own transaction: atomic, one round trip, one commit.
    const { rows } = await this.pool.query<{ r: AppendResponse[] }>(prepared('select es_append($1::jsonb) as r'), [
      JSON.stringify(requests),
    ]);
    const responses = rows[0]?.r;
    if (!responses || responses.length !== requests.length) {
      throw new Error(`es_append answered ${responses?.length ?? 0} results for ${requests.length} appends`);
    }
    return responses;
  }
}
