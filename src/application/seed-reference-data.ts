import { ProgrammeNodes, type NodeInput } from './programme-nodes.js';
import { Programmes } from './programmes.js';
import { Funds } from './funds.js';
import type { BilingualName, FundKind } from '../domain/fund/events.js';
import { NotFound } from '../domain/errors.js';
import { fundStreamId } from '../domain/fund/decider.js';
import { programmeStreamId } from '../domain/programme/decider.js';
import { programmeNodeStreamId } from '../domain/programme-node/decider.js';
import type { Caller } from './caller.js';
import type { Deps } from './deps.js';

export interface SeedFund {
  code: string;
  name: BilingualName;
  kind: FundKind;
}

export interface SeedProgramme {
  code: string;
  period: string;
  fund: string;
  name: BilingualName;
  /** Parents before children. */
  nodes: NodeInput[];
}

export interface SeedData {
  funds: SeedFund[];
  programmes: SeedProgramme[];
}

export interface SeedReport {
  /** Stream ids written by this run. */
  created: string[];
  /** Stream ids that already existed and were left as they are. */
  kept: string[];
}

/**
 * Loads funds, programmes and their structure through the same application layer as the API.
 * Only what is missing is created: what exists is kept as it is, even if an admin has since
 * amended or retired it, so a re-run changes nothing and never undoes anyone's work.
 */
export async function seedReferenceData(
  deps: Pick<Deps, 'store' | 'clock' | 'orm' | 'config'>,
  data: SeedData,
  caller: Caller,
): Promise<SeedReport> {
  const funds = new Funds(deps);
  const programmes = new Programmes(deps);
  const nodes = new ProgrammeNodes(deps);
  const report: SeedReport = { created: [], kept: [] };
  const ensure = async (streamId: string, exists: () => Promise<unknown>, create: () => Promise<unknown>) => {
    try {
      await exists();
      report.kept.push(streamId);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
      await create();
      report.created.push(streamId);
    }
  };

  for (const fund of data.funds) {
    await ensure(
      fundStreamId(fund.code),
      () => funds.get(fund.code),
      () => funds.register(caller, fund),
    );
  }
  for (const { nodes: structure, ...programme } of data.programmes) {
    const key = { code: programme.code, period: programme.period };
    await ensure(
      programmeStreamId(key),
      () => programmes.get(key),
      () => programmes.define(caller, programme),
    );
    for (const node of structure) {
      const nodeKey = { programme: programme.code, period: programme.period, code: node.code };
      await ensure(
        programmeNodeStreamId(nodeKey),
        () => nodes.get(nodeKey),
        () => nodes.define(caller, key, node),
      );
    }
  }
  return report;
}
