import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import {
  byActor,
  countEn,
  countLv,
  dateEn,
  dateLv,
  fundSharesOf,
  moneyEn,
  moneyLv,
  notTheStateBefore,
  quoteEn,
  quoteLv,
  shortId,
  type Description,
} from '../describe.js';
import { fourEyesStep, type FourEyesStep } from '../four-eyes.js';
import type { ClaimKind } from './content.js';
import { claimFourEyes, type Budget, type BudgetClaim } from './decider.js';
import type { BudgetEvent } from './events.js';

/** The kind of payment claim, before "maksājuma pieprasījumu" / "payment claim". */
const CLAIM_KIND: Record<ClaimKind, Description> = {
  advance: { lv: 'avansa', en: 'advance' },
  interim: { lv: 'starpposma', en: 'interim' },
  final: { lv: 'noslēguma', en: 'final' },
};

const VAT_SOURCE = {
  state_budget: { lv: 'no valsts budžeta', en: 'from the state budget' },
  own: { lv: 'no pašu līdzekļiem', en: 'from own funds' },
} as const;

/** A project budget's event in words. */
export function describeBudgetEvent(event: StoredEvent<BudgetEvent>): Description {
  switch (event.type) {
    case 'BudgetOpened.v1': {
      const d = event.data;
      const vat =
        d.vatSource === 'not_requested'
          ? { lv: 'PVN netiek pieprasīts', en: 'VAT not requested' }
          : {
              lv: `PVN ${moneyLv(d.vatCents)} ${VAT_SOURCE[d.vatSource].lv}`,
              en: `VAT ${moneyEn(d.vatCents)} ${VAT_SOURCE[d.vatSource].en}`,
            };
      const advance =
        d.advanceCents > 0 ? { lv: `, avanss ${moneyLv(d.advanceCents)}`, en: `, advance ${moneyEn(d.advanceCents)}` } : { lv: '', en: '' };
      const shares = fundSharesOf(d.shares);
      return byActor(event.metadata, {
        lv:
          `atvēra projekta budžetu pēc projekta pases ${d.passportVersion}. versijas: ${moneyLv(d.totalCents)}, ${vat.lv}${advance.lv}, ` +
          `${countLv(d.costLines.length, 'izmaksu pozīcija', 'izmaksu pozīcijas')}; finansējums: ${shares.lv}`,
        en:
          `opened the project budget from version ${d.passportVersion} of the project passport: ${moneyEn(d.totalCents)}, ${vat.en}${advance.en}, ` +
          `${countEn(d.costLines.length, 'cost line', 'cost lines')}; funded by ${shares.en}`,
      });
    }
    case 'SupplierContractRegistered.v1': {
      const d = event.data;
      return byActor(event.metadata, {
        lv:
          `reģistrēja iepirkuma līgumu ar piegādātāju (reģ. Nr. ${d.supplierRegNo}) par ${moneyLv(d.amountCents)}, ` +
          `iepirkuma identifikācijas Nr. ${d.procurementId} (noslēgts ${dateLv(d.signedOn)}, darbības termiņš ${dateLv(d.endsOn)})`,
        en:
          `registered a procurement contract with supplier reg. No. ${d.supplierRegNo} for ${moneyEn(d.amountCents)}, ` +
          `procurement No. ${d.procurementId} (signed on ${dateEn(d.signedOn)}, ending on ${dateEn(d.endsOn)})`,
      });
    }
    case 'InvoiceSubmitted.v1': {
      const d = event.data;
      return byActor(event.metadata, {
        lv:
          `iesniedza rēķinu Nr. ${d.number} (${dateLv(d.date)}, piegādātājs reģ. Nr. ${d.supplierRegNo}) par ${moneyLv(d.grossCents)}, ` +
          `t. sk. PVN ${moneyLv(d.vatCents)}; izmaksu pozīcija ${d.costLine}`,
        en:
          `submitted invoice No. ${d.number} of ${dateEn(d.date)} from supplier reg. No. ${d.supplierRegNo} for ${moneyEn(d.grossCents)}, ` +
          `including VAT ${moneyEn(d.vatCents)}; cost line ${d.costLine}`,
      });
    }
    case 'PaymentClaimSubmitted.v1': {
      const d = event.data;
      const invoices =
        d.items.length > 0
          ? { lv: `, ${countLv(d.items.length, 'rēķins', 'rēķini')}`, en: `, ${countEn(d.items.length, 'invoice', 'invoices')}` }
          : { lv: '', en: '' };
      return byActor(event.metadata, {
        lv:
          `iesniedza ${CLAIM_KIND[d.kind].lv} maksājuma pieprasījumu ID ${shortId(d.claimId)} par ${moneyLv(d.requestedCents)} ` +
          `(periods ${dateLv(d.periodFrom)}–${dateLv(d.periodTo)}${invoices.lv})`,
        en:
          `submitted ${CLAIM_KIND[d.kind].en} payment claim ID ${shortId(d.claimId)} for ${moneyEn(d.requestedCents)} ` +
          `(period ${dateEn(d.periodFrom)} – ${dateEn(d.periodTo)}${invoices.en})`,
      });
    }
    case 'InvoiceVerified.v1': {
      const d = event.data;
      const ineligible =
        d.ineligibleCents > 0
          ? {
              lv: `neattiecināmās izmaksas ${moneyLv(d.ineligibleCents)}${d.reasonCode ? ` (iemesla kods ${d.reasonCode})` : ''}`,
              en: `ineligible ${moneyEn(d.ineligibleCents)}${d.reasonCode ? ` (reason code ${d.reasonCode})` : ''}`,
            }
          : { lv: 'neattiecināmu izmaksu nav', en: 'nothing ineligible' };
      return byActor(event.metadata, {
        lv:
          `pārbaudīja rēķinu ID ${shortId(d.invoiceId)} maksājuma pieprasījumā ID ${shortId(d.claimId)}: ` +
          `attiecināmās izmaksas ${moneyLv(d.eligibleCents)}, ${ineligible.lv}`,
        en:
          `verified invoice ID ${shortId(d.invoiceId)} in payment claim ID ${shortId(d.claimId)}: ` +
          `eligible ${moneyEn(d.eligibleCents)}, ${ineligible.en}`,
      });
    }
    case 'ClaimPaid.v1': {
      const d = event.data;
      return byActor(event.metadata, {
        lv: `apmaksāja maksājuma pieprasījumu ID ${shortId(d.claimId)} par ${moneyLv(d.amountCents)} (maksājuma datums ${dateLv(d.paidOn)})`,
        en: `paid ${moneyEn(d.amountCents)} on payment claim ID ${shortId(d.claimId)} (payment date ${dateEn(d.paidOn)})`,
      });
    }
    case 'FinancialCorrectionBooked.v1': {
      const d = event.data;
      const funds = fundSharesOf(d.funds);
      const source =
        d.source.kind === 'finding'
          ? { lv: `pēc konstatējuma ID ${shortId(d.source.findingId)}`, en: `following finding ID ${shortId(d.source.findingId)}` }
          : { lv: 'pēc uzraudzības iestādes pārbaudes', en: "following the monitoring body's own check" };
      const concerns = [
        ...(d.claimId ? [{ lv: `maksājuma pieprasījums ID ${shortId(d.claimId)}`, en: `payment claim ID ${shortId(d.claimId)}` }] : []),
        ...(d.invoiceId ? [{ lv: `rēķins ID ${shortId(d.invoiceId)}`, en: `invoice ID ${shortId(d.invoiceId)}` }] : []),
      ];
      const about = concerns.length
        ? { lv: `; attiecas uz: ${concerns.map((c) => c.lv).join(', ')}`, en: `; concerns ${concerns.map((c) => c.en).join(', ')}` }
        : { lv: '', en: '' };
      return byActor(event.metadata, {
        lv:
          `piemēroja finanšu korekciju ${moneyLv(d.amountCents)} apmērā izmaksu pozīcijai ${d.costLine} (${funds.lv}) ${source.lv}${about.lv}. ` +
          `Iemesls: ${quoteLv(d.reason)}`,
        en:
          `applied a financial correction of ${moneyEn(d.amountCents)} to cost line ${d.costLine} (${funds.en}) ${source.en}${about.en}. ` +
          `Reason: ${quoteEn(d.reason)}`,
      });
    }
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** The claim the event is about, as the budget held it before the event. */
function claimBefore(before: Budget, event: StoredEvent<BudgetEvent>, claimId: string): BudgetClaim {
  if (before.status !== 'open') throw notTheStateBefore(event, 'without an open budget');
  const claim = before.claims[claimId];
  if (!claim) throw notTheStateBefore(event, `without payment claim ${claimId}`);
  return claim;
}

/**
 * The budget's four-eyes steps (an invoice's verification, a claim's payment), by the rules its
 * decider refuses with; `before` is the budget before the event. A financial correction booked
 * for a finding is checked on the finding (its FinancialCorrectionApplied.v1), not here.
 */
export function budgetFourEyesStep(before: Budget, event: StoredEvent<BudgetEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'InvoiceVerified.v1':
      return fourEyesStep(claimFourEyes.verify, event.data.verifiedBy, claimBefore(before, event, event.data.claimId));
    case 'ClaimPaid.v1':
      return fourEyesStep(claimFourEyes.pay, event.data.paidBy, claimBefore(before, event, event.data.claimId));
    case 'BudgetOpened.v1':
    case 'SupplierContractRegistered.v1':
    case 'InvoiceSubmitted.v1':
    case 'PaymentClaimSubmitted.v1':
    case 'FinancialCorrectionBooked.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
