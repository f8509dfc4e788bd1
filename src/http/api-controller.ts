import { Controller } from '@tsoa/runtime';
import type { Application } from '../application/application.js';
import type { Loaded, Outcome } from '../application/command.js';
import { etag } from './headers.js';

/**
 * What every controller shares: the application it calls, and the one way a stream's state
 * becomes a response. A controller method parses the request, calls one application function
 * and hands the result to {@link written} or {@link shown}.
 */
export abstract class ApiController extends Controller {
  constructor(protected readonly app: Application) {
    super();
  }

  /**
   * The answer to a write: `ETag` (the stream's version after it), `Idempotent-Replayed: true`
   * when it was a retry that stored nothing, and 201 (with `Location` when given) for what it created.
   */
  protected written<S, V>(outcome: Outcome<S>, view: (state: S, version: number) => V, created?: { location?: string }): V {
    if (created) {
      this.setStatus(201);
      if (created.location) this.setHeader('Location', created.location);
    }
    if (outcome.replayed) this.setHeader('Idempotent-Replayed', 'true');
    return this.shown(outcome, view);
  }

  /** The answer to a read of one stream's state, with its `ETag`. */
  protected shown<S, V>(loaded: Loaded<S>, view: (state: S, version: number) => V): V {
    this.setHeader('ETag', etag(loaded.version));
    return view(loaded.state, loaded.version);
  }
}
