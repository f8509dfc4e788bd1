import type { CommandContext } from '../domain/decider.js';
import { NotFound } from '../domain/errors.js';
import { fundStream, fundStreamId, type Fund, type FundCommand } from '../domain/fund/decider.js';
import type { BilingualName, FundKind } from '../domain/fund/events.js';
import type { Caller } from './caller.js';
import { on, type Loaded, type Outcome } from './command.js';
import type { Deps } from './deps.js';

/** A fund that is registered (active or retired). */
export type RegisteredFund = Exclude<Fund, { status: 'unregistered' }>;

/** Funds (fondi): the root of the programme reference data; everyone reads them, admins maintain them. */
export class Funds {
  private readonly stream;

  constructor(deps: Pick<Deps, 'store' | 'clock'>) {
    this.stream = on(deps, fundStream);
  }

  register(caller: Caller, input: { code: string; name: BilingualName; kind: FundKind }): Promise<Outcome<RegisteredFund>> {
    return this.run(caller, input.code, (context) => ({ type: 'RegisterFund', data: input, context }));
  }

  async get(code: string): Promise<Loaded<RegisteredFund>> {
    const { state, version } = await this.stream.load(fundStreamId(code));
    if (state.status === 'unregistered') throw new NotFound('Fund', code);
    return { state, version };
  }

  rename(caller: Caller, code: string, input: { name: BilingualName; reason: string }) {
    return this.run(caller, code, (context) => ({ type: 'RenameFund', data: { ...input, code }, context }));
  }

  retire(caller: Caller, code: string, reason: string) {
    return this.run(caller, code, (context) => ({ type: 'RetireFund', data: { code, reason }, context }));
  }

  private async run(caller: Caller, code: string, command: (context: CommandContext) => FundCommand): Promise<Outcome<RegisteredFund>> {
    const outcome = await this.stream.execute(fundStreamId(code), caller, command, { subject: code });
    const { state } = outcome;
    if (state.status === 'unregistered') throw new NotFound('Fund', code);
    return { ...outcome, state };
  }
}
