import { listProgrammes } from '../../projections/programme-structure/queries.js';
import type { ProgrammeEntry } from '../../projections/programme-structure/entity.js';
import type { CommandContext } from '../domain/decider.js';
import { NotFound, ValidationFailed } from '../domain/errors.js';
import { fundStream, fundStreamId } from '../domain/fund/decider.js';
import type { BilingualName } from '../domain/fund/events.js';
import {
  programmeLabel,
  programmeStream,
  programmeStreamId,
  type Programme,
  type ProgrammeCommand,
  type ProgrammeKey,
} from '../domain/programme/decider.js';
import type { Caller } from './caller.js';
import { load, on, type Loaded, type Outcome } from './command.js';
import { cursorCodec, cursorSeal } from './cursor.js';
import type { Deps } from './deps.js';
import { pageOf, type Page, type PageRequest } from './page.js';

const PROGRAMMES_CURSOR = cursorCodec('programmes', ['text', 'text']);

/** A programme that is defined (active or retired). */
export type DefinedProgramme = Exclude<Programme, { status: 'none' }>;

/**
 * Programmes: a fund's programme for a period (the RRF plan 2021–2026, the cohesion programme
 * 2021–2027). The fund they name must be registered and active; that is read from the fund's
 * stream and checked before the decider runs.
 */
export class Programmes {
  private readonly stream;

  constructor(private readonly deps: Pick<Deps, 'store' | 'clock' | 'orm' | 'config'>) {
    this.stream = on(deps, programmeStream);
  }

  async define(caller: Caller, input: ProgrammeKey & { fund: string; name: BilingualName }): Promise<Outcome<DefinedProgramme>> {
    await this.requireActiveFund(input.fund);
    return this.run(caller, input, (context) => ({ type: 'DefineProgramme', data: input, context }));
  }

  async get(key: ProgrammeKey): Promise<Loaded<DefinedProgramme>> {
    const { state, version } = await this.stream.load(programmeStreamId(key));
    if (state.status === 'none') throw new NotFound('Programme', programmeLabel(key));
    return { state, version };
  }

  /** Programmes in (code, period) order, optionally of one fund, keyset-paged. */
  async list(caller: Caller, fund: string | undefined, page: PageRequest): Promise<Page<ProgrammeEntry>> {
    const seal = cursorSeal(this.deps.config, caller.user);
    const key = page.cursor === undefined ? undefined : PROGRAMMES_CURSOR.decode(seal, page.cursor);
    const after = key ? { after: { programme: key[0], period: key[1] } } : {};
    const rows = await listProgrammes(this.deps.orm, fund ? { fund } : {}, { ...after, limit: page.limit + 1 });
    return pageOf(rows, page.limit, (r) => PROGRAMMES_CURSOR.encode(seal, [r.programme, r.period]));
  }

  async amend(caller: Caller, key: ProgrammeKey, input: { fund: string; name: BilingualName; reason: string }) {
    await this.requireActiveFund(input.fund);
    return this.run(caller, key, (context) => ({ type: 'AmendProgramme', data: { ...key, ...input }, context }));
  }

  retire(caller: Caller, key: ProgrammeKey, reason: string) {
    return this.run(caller, key, (context) => ({ type: 'RetireProgramme', data: { ...key, reason }, context }));
  }

  private async run(
    caller: Caller,
    key: ProgrammeKey,
    command: (context: CommandContext) => ProgrammeCommand,
  ): Promise<Outcome<DefinedProgramme>> {
    const outcome = await this.stream.execute(programmeStreamId(key), caller, command, { subject: programmeLabel(key) });
    const { state } = outcome;
    if (state.status === 'none') throw new NotFound('Programme', programmeLabel(key));
    return { ...outcome, state };
  }

  private async requireActiveFund(code: string): Promise<void> {
    const { state } = await load(this.deps.store, fundStream, fundStreamId(code));
    if (state.status === 'unregistered') throw new ValidationFailed([{ field: 'fund', message: `no fund ${code} is registered` }]);
    if (state.status === 'retired') throw new ValidationFailed([{ field: 'fund', message: `fund ${code} is retired` }]);
  }
}
