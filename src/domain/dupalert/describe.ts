import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, countEn, countLv, moneyEn, moneyLv, quoteEn, quoteLv, type Description } from '../describe.js';
import type { FourEyesStep } from '../four-eyes.js';
import type { DuplicateAlert } from './decider.js';
import type { DuplicateAlertEvent, DuplicateRule } from './events.js';

/** What the double-funding rule found (docs/api-guide.md). */
const RULE: Record<DuplicateRule, Description> = {
  same_invoice: { lv: 'tas pats rēķins vairākos projektos', en: 'the same invoice in several projects' },
  over_allocation: { lv: 'rēķina summa pārsniegta maksājuma pieprasījumos', en: 'an invoice over-allocated across claims' },
  near_duplicate: { lv: 'iespējami rēķinu dublikāti', en: 'near-duplicate invoices' },
  vat_twice: { lv: 'PVN atmaksāts divreiz', en: 'VAT reimbursed twice' },
  overlapping_scope: { lv: 'pārklājas projektu tvērums', en: 'overlapping project scope' },
};

/** A decision on a double-funding alert in words. */
export function describeDuplicateAlertEvent(event: StoredEvent<DuplicateAlertEvent>): Description {
  const d = event.data;
  const what = {
    lv: `${RULE[d.rule].lv}; ${countLv(d.projectIds.length, 'projekts', 'projekti')}; riska summa ${moneyLv(d.amountAtRiskCents)}`,
    en: `${RULE[d.rule].en}; ${countEn(d.projectIds.length, 'project', 'projects')}; ${moneyEn(d.amountAtRiskCents)} at risk`,
  };
  switch (event.type) {
    case 'DuplicateAlertConfirmed.v2': {
      const n = event.data.findings.length;
      const raised =
        n > 0
          ? { lv: ` un reģistrēja ${countLv(n, 'konstatējumu', 'konstatējumus')}`, en: ` and raised ${countEn(n, 'finding', 'findings')}` }
          : { lv: '', en: '' };
      return byActor(event.metadata, {
        lv: `apstiprināja dubultfinansējuma brīdinājumu (${what.lv})${raised.lv}. Pamatojums: ${quoteLv(d.reason)}`,
        en: `confirmed the double-funding alert (${what.en})${raised.en}. Reason: ${quoteEn(d.reason)}`,
      });
    }
    case 'DuplicateAlertDismissed.v1':
      return byActor(event.metadata, {
        lv: `noraidīja dubultfinansējuma brīdinājumu (${what.lv}). Pamatojums: ${quoteLv(d.reason)}`,
        en: `dismissed the double-funding alert (${what.en}). Reason: ${quoteEn(d.reason)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** A decision on an alert is one officer's: no four-eyes steps. */
export function duplicateAlertFourEyesStep(_before: DuplicateAlert, event: StoredEvent<DuplicateAlertEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'DuplicateAlertConfirmed.v2':
    case 'DuplicateAlertDismissed.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
