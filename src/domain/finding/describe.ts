import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, dateEn, dateLv, moneyEn, moneyLv, notTheStateBefore, quoteEn, quoteLv, shortId, type Description } from '../describe.js';
import { fourEyesStep, type FourEyesStep } from '../four-eyes.js';
import { findingFourEyes, type Finding } from './decider.js';
import type { FindingCategory, FindingConcerns, FindingEvent, FollowUpOutcome, Severity } from './events.js';

/** Konstatējuma kategorija. */
const CATEGORY: Record<FindingCategory, Description> = {
  double_funding: { lv: 'dubultfinansējums', en: 'double funding' },
  conflict_of_interest: { lv: 'interešu konflikts', en: 'conflict of interest' },
  fraud_suspicion: { lv: 'aizdomas par krāpšanu', en: 'suspected fraud' },
  corruption: { lv: 'korupcija', en: 'corruption' },
  ineligible_expenditure: { lv: 'neattiecināmi izdevumi', en: 'ineligible expenditure' },
  procurement_breach: { lv: 'iepirkuma pārkāpums', en: 'procurement breach' },
  state_aid: { lv: 'komercdarbības atbalsta pārkāpums', en: 'state aid breach' },
  indicator_not_evidenced: { lv: 'rādītājs nav pamatots', en: 'indicator not evidenced' },
};

/** Nozīmīgums (masculine adjective). */
const SEVERITY: Record<Severity, Description> = {
  low: { lv: 'zems', en: 'low' },
  medium: { lv: 'vidējs', en: 'medium' },
  high: { lv: 'augsts', en: 'high' },
  critical: { lv: 'kritisks', en: 'critical' },
};

const OUTCOME: Record<FollowUpOutcome, Description> = {
  implemented: { lv: 'korektīvā darbība īstenota', en: 'the corrective action was implemented' },
  partially_implemented: { lv: 'korektīvā darbība īstenota daļēji', en: 'the corrective action was partially implemented' },
  not_implemented: { lv: 'korektīvā darbība nav īstenota', en: 'the corrective action was not implemented' },
};

function concernsOf(c: FindingConcerns): Description {
  const lv: string[] = [];
  const en: string[] = [];
  if (c.invoiceRef !== null) {
    lv.push(`rēķins ${c.invoiceRef}`);
    en.push(`invoice ${c.invoiceRef}`);
  }
  if (c.claimRef !== null) {
    lv.push(`maksājuma pieprasījums ${c.claimRef}`);
    en.push(`payment claim ${c.claimRef}`);
  }
  if (c.indicatorId !== null) {
    lv.push(`rādītājs ID ${shortId(c.indicatorId)}`);
    en.push(`indicator ID ${shortId(c.indicatorId)}`);
  }
  return lv.length ? { lv: `; attiecas uz: ${lv.join(', ')}`, en: `; concerns ${en.join(', ')}` } : { lv: '', en: '' };
}

/** An audit finding's event in words. */
export function describeFindingEvent(event: StoredEvent<FindingEvent>): Description {
  switch (event.type) {
    case 'FindingRaised.v1': {
      const d = event.data;
      const concerns = concernsOf(d.concerns);
      const reportable = d.reportableIrregularity
        ? { lv: '; ziņojama neatbilstība', en: '; a reportable irregularity' }
        : { lv: '', en: '' };
      return byActor(event.metadata, {
        lv:
          `reģistrēja konstatējumu: ${CATEGORY[d.category].lv} (nozīmīgums ${SEVERITY[d.severity].lv}), ` +
          `finanšu ietekme ${moneyLv(d.amountAtRiskCents)}, t. sk. ES finansējums ${moneyLv(d.euShareCents)}${concerns.lv}${reportable.lv}`,
        en:
          `raised a finding: ${CATEGORY[d.category].en} (severity ${SEVERITY[d.severity].en}), ` +
          `${moneyEn(d.amountAtRiskCents)} at risk, of which EU funding ${moneyEn(d.euShareCents)}${concerns.en}${reportable.en}`,
      });
    }
    case 'FindingResponded.v1': {
      const { response, organisation } = event.data;
      return byActor(event.metadata, {
        lv: `sniedza atbildi uz konstatējumu (organizācijas reģ. Nr. ${organisation}): ${quoteLv(response)}`,
        en: `responded to the finding (organisation reg. No. ${organisation}): ${quoteEn(response)}`,
      });
    }
    case 'CorrectiveActionSet.v1': {
      const { action, deadline } = event.data;
      return byActor(event.metadata, {
        lv: `noteica korektīvo darbību ar izpildes termiņu ${dateLv(deadline)}: ${quoteLv(action)}`,
        en: `set a corrective action due by ${dateEn(deadline)}: ${quoteEn(action)}`,
      });
    }
    case 'FollowUpRecorded.v1': {
      const { outcome, note } = event.data;
      return byActor(event.metadata, {
        lv: `reģistrēja korektīvās darbības izpildes pārbaudi: ${OUTCOME[outcome].lv}. Piezīme: ${quoteLv(note)}`,
        en: `recorded a follow-up: ${OUTCOME[outcome].en}. Note: ${quoteEn(note)}`,
      });
    }
    case 'FinancialCorrectionApplied.v1': {
      const d = event.data;
      return byActor(event.metadata, {
        lv: `piemēroja finanšu korekciju Nr. ${d.correction} par ${moneyLv(d.amountCents)} izmaksu pozīcijai ${d.costLine}. Iemesls: ${quoteLv(d.reason)}`,
        en: `applied financial correction No. ${d.correction} of ${moneyEn(d.amountCents)} to cost line ${d.costLine}. Reason: ${quoteEn(d.reason)}`,
      });
    }
    case 'FindingClosed.v1':
      return byActor(event.metadata, {
        lv: `slēdza konstatējumu. Secinājums: ${quoteLv(event.data.conclusion)}`,
        en: `closed the finding. Conclusion: ${quoteEn(event.data.conclusion)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/**
 * The finding's four-eyes steps (a financial correction, the closure), by the rules its decider
 * refuses with; `before` is the finding before the event. A correction is recorded once the
 * budget has booked it, by the person who applied it, after the finding's decider checked it.
 */
export function findingFourEyesStep(before: Finding, event: StoredEvent<FindingEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'FinancialCorrectionApplied.v1':
      if (before.status === 'none') throw notTheStateBefore(event, 'not raised');
      return fourEyesStep(findingFourEyes.correct, event.data.appliedBy, before);
    case 'FindingClosed.v1':
      if (before.status === 'none') throw notTheStateBefore(event, 'not raised');
      return fourEyesStep(findingFourEyes.close, event.data.closedBy, before);
    case 'FindingRaised.v1':
    case 'FindingResponded.v1':
    case 'CorrectiveActionSet.v1':
    case 'FollowUpRecorded.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
