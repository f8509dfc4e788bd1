import { Readable } from 'node:stream';
import { Controller, Get, Produces, Response, Route, Security, Tags } from '@tsoa/runtime';
import { exportChain, TamperEvidenceUnavailable, verifyChain, type ChainReport } from '../../eventstore/postgres/chain.js';
import type { Problem } from '../problem.js';
import type { AppContext } from '../context.js';

@Route('audit')
@Tags('Audit')
export class AuditController extends Controller {
  constructor(private readonly ctx: AppContext) {
    super();
  }

  /**
   * Recomputes the hash chain over the whole event log and reports the first place it breaks
   * (an event altered, deleted, moved or inserted behind the chain). `head.hash` is the anchor
   * to record outside the database: a later verification must still reach it.
   */
  @Get('verify')
  @Security('jwt', ['auditor', 'admin'])
  @Response<Problem>(501, 'The event log is not in PostgreSQL')
  public async verify(): Promise<ChainReport> {
    if (!this.ctx.chain) throw new TamperEvidenceUnavailable();
    // Link what has committed so far, so the report covers the log up to this request.
    await this.ctx.chain.catchUp();
    return verifyChain(this.ctx.pool);
  }

  /**
   * The whole linked log as JSON Lines, each event in the exact text form that was hashed,
   * so it can be verified offline (`npm run verify-export -- FILE`, or the algorithm in the
   * README) and its last hash compared with an anchor.
   */
  @Get('export')
  @Security('jwt', ['auditor', 'admin'])
  @Produces('application/x-ndjson')
  @Response<Problem>(501, 'The event log is not in PostgreSQL')
  public async export(): Promise<Readable> {
    if (!this.ctx.chain) throw new TamperEvidenceUnavailable();
    await this.ctx.chain.catchUp();
    this.setHeader('Content-Type', 'application/x-ndjson');
    this.setHeader('Content-Disposition', 'attachment; filename="event-log.jsonl"');
    return Readable.from(exportChain(this.ctx.pool));
  }
}
