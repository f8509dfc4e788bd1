import { fundDecider, fundStreamId } from '../domain/fund/decider.js';
import type { BilingualName, FundKind } from '../domain/fund/events.js';
import { programmeDecider, programmeStreamId } from '../domain/programme/decider.js';
import { programmeNodeDecider, programmeNodeStreamId } from '../domain/programme-node/decider.js';
import type { EventMetadata, EventStore } from '../eventstore/port.js';
import { handleCommand, load } from './handle-command.js';
import { defineProgramme, defineProgrammeNode, type NodeInput } from './programme-structure.js';

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
 * Loads funds, programmes and their structure through the same command handlers as the API.
 * Only what is missing is created: what exists is kept as it is, even if an admin has since
 * amended or retired it, so a re-run changes nothing and never undoes anyone's work.
 */
export async function seedReferenceData(store: EventStore, data: SeedData, metadata: EventMetadata): Promise<SeedReport> {
  const report: SeedReport = { created: [], kept: [] };
  const options = { metadata };
  const note = (streamId: string, exists: boolean) => (exists ? report.kept : report.created).push(streamId);

  for (const fund of data.funds) {
    const streamId = fundStreamId(fund.code);
    const exists = (await load(store, fundDecider, streamId)).state.status !== 'unregistered';
    if (!exists) {
      const context = { now: new Date(), actor: metadata.actor };
      await handleCommand(store, fundDecider, streamId, { type: 'RegisterFund', data: fund, context }, options);
    }
    note(streamId, exists);
  }
  for (const { nodes, ...programme } of data.programmes) {
    const streamId = programmeStreamId(programme);
    const exists = (await load(store, programmeDecider, streamId)).state.status !== 'none';
    if (!exists) await defineProgramme(store, programme, options);
    note(streamId, exists);
    for (const node of nodes) {
      const nodeStreamId = programmeNodeStreamId({ programme: programme.code, period: programme.period, code: node.code });
      const nodeExists = (await load(store, programmeNodeDecider, nodeStreamId)).state.status !== 'none';
      if (!nodeExists) await defineProgrammeNode(store, programme, node, options);
      note(nodeStreamId, nodeExists);
    }
  }
  return report;
}
