import { Readable } from 'node:stream';
import { Get, Produces, Response, Route, Security, Tags } from '@tsoa/runtime';
import type { ChainReport } from '../../application/audit.js';
import { ApiController } from '../api-controller.js';
import type { Problem } from '../problem.js';

@Route('audit')
@Tags('Audit')
export class AuditController extends ApiController {
  /**
   * Recomputes the hash chain over the whole event log and reports the first place it breaks
   * (an event altered, deleted, moved or inserted behind the chain). `head.hash` is the anchor
   * to record outside the database: a later verification must still reach it.
   * @summary Verify the hash chain
   */
  @Get('verify')
  @Security('jwt', ['auditor', 'admin'])
  @Response<Problem>(501, 'The event log is not in PostgreSQL')
  public async verifyAuditChain(): Promise<ChainReport> {
    return this.app.audit.verifyChain();
  }

  /**
   * The whole linked log as JSON Lines, each event in the exact text form that was hashed,
   * so it can be verified offline (`npm run verify-export -- FILE`, or the algorithm in the
   * docs/architecture.md) and its last hash compared with an anchor.
   * @summary Export the hash-chained log
   */
  @Get('export')
  @Security('jwt', ['auditor', 'admin'])
  @Produces('application/x-ndjson')
  @Response<Problem>(501, 'The event log is not in PostgreSQL')
  public async exportAuditChain(): Promise<Readable> {
    const lines = await this.app.audit.exportChain();
    this.setHeader('Content-Type', 'application/x-ndjson');
    this.setHeader('Content-Disposition', 'attachment; filename="event-log.jsonl"');
    return Readable.from(lines);
  }
}
