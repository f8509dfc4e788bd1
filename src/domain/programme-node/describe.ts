import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, countEn, countLv, dateEn, dateLv, moneyEn, moneyLv, quoteEn, quoteLv, type Description } from '../describe.js';
import type { FourEyesStep } from '../four-eyes.js';
import { nodeKeyOf, type ProgrammeNode } from './decider.js';
import type { NodeContent, NodeKind, ProgrammeNodeEvent } from './events.js';

/** The kind of node as the object of a sentence (Latvian accusative). */
const KIND: Record<NodeKind, Description> = {
  component: { lv: 'komponenti', en: 'component' },
  direction: { lv: 'reformu un investīciju virzienu', en: 'reform and investment direction' },
  reform: { lv: 'reformu', en: 'reform' },
  investment: { lv: 'investīciju', en: 'investment' },
  policy_objective: { lv: 'politikas mērķi', en: 'policy objective' },
  specific_objective: { lv: 'specifisko atbalsta mērķi', en: 'specific objective' },
  measure: { lv: 'pasākumu', en: 'measure' },
  selection_round: { lv: 'atlases kārtu', en: 'selection round' },
};

/** Planned funding, implementation period and targets, when the node has them: `; plānotais finansējums …`. */
function details(content: NodeContent): Description {
  const lv: string[] = [];
  const en: string[] = [];
  if (content.plannedFundingCents !== null) {
    lv.push(`plānotais finansējums ${moneyLv(content.plannedFundingCents)}`);
    en.push(`planned funding ${moneyEn(content.plannedFundingCents)}`);
  }
  if (content.startDate !== null && content.endDate !== null) {
    lv.push(`īstenošana ${dateLv(content.startDate)}–${dateLv(content.endDate)}`);
    en.push(`implemented ${dateEn(content.startDate)} – ${dateEn(content.endDate)}`);
  } else if (content.endDate !== null) {
    lv.push(`īstenošana līdz ${dateLv(content.endDate)}`);
    en.push(`implemented until ${dateEn(content.endDate)}`);
  }
  const milestones = content.targets.filter((t) => t.kind === 'milestone').length;
  const targets = content.targets.length - milestones;
  if (milestones > 0) {
    lv.push(countLv(milestones, 'atskaites punkts', 'atskaites punkti'));
    en.push(countEn(milestones, 'milestone', 'milestones'));
  }
  if (targets > 0) {
    lv.push(countLv(targets, 'mērķis', 'mērķi'));
    en.push(countEn(targets, 'target', 'targets'));
  }
  return { lv: lv.length ? `; ${lv.join(', ')}` : '', en: en.length ? `; ${en.join(', ')}` : '' };
}

/** A programme node's event in words. */
export function describeProgrammeNodeEvent(event: StoredEvent<ProgrammeNodeEvent>): Description {
  const { programme, period, code } = nodeKeyOf(event.streamId);
  switch (event.type) {
    case 'ProgrammeNodeDefined.v1': {
      const { kind, name, parent } = event.data;
      const more = details(event.data);
      return byActor(event.metadata, {
        lv:
          `izveidoja ${KIND[kind].lv} ${event.data.code} ${quoteLv(name.lv)} programmā ${event.data.programme} ${event.data.period}` +
          `${parent === null ? '' : ` (ietilpst ${parent})`}${more.lv}`,
        en:
          `defined ${KIND[kind].en} ${event.data.code} ${quoteEn(name.en)} in programme ${event.data.programme} ${event.data.period}` +
          `${parent === null ? '' : ` (under ${parent})`}${more.en}`,
      });
    }
    case 'ProgrammeNodeAmended.v1': {
      const more = details(event.data);
      return byActor(event.metadata, {
        lv: `grozīja programmas struktūras elementu ${code} (${programme} ${period}): ${quoteLv(event.data.name.lv)}${more.lv}. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `amended programme item ${code} (${programme} ${period}): ${quoteEn(event.data.name.en)}${more.en}. Reason: ${quoteEn(event.data.reason)}`,
      });
    }
    case 'ProgrammeNodeRetired.v1':
      return byActor(event.metadata, {
        lv: `slēdza programmas struktūras elementu ${code} (${programme} ${period}). Iemesls: ${quoteLv(event.data.reason)}`,
        en: `retired programme item ${code} (${programme} ${period}). Reason: ${quoteEn(event.data.reason)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** A programme node has no four-eyes steps. */
export function programmeNodeFourEyesStep(_before: ProgrammeNode, event: StoredEvent<ProgrammeNodeEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'ProgrammeNodeDefined.v1':
    case 'ProgrammeNodeAmended.v1':
    case 'ProgrammeNodeRetired.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
