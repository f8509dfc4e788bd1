import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, countEn, countLv, moneyEn, moneyLv, notTheStateBefore, quoteEn, quoteLv, type Description } from '../describe.js';
import { fourEyesStep, type FourEyesStep } from '../four-eyes.js';
import type { SectionName } from './content.js';
import { passportFourEyes, type Passport } from './decider.js';
import type { PassportEvent, SectionUpdate } from './events.js';

/** The passport's sections by their numbers in the real documents (shared/seeds/004). */
const SECTION: Record<SectionName, Description> = {
  recipient: { lv: '1. Finansējuma saņēmējs', en: '1. Recipient' },
  partners: { lv: '1. Sadarbības partneri', en: '1. Partners' },
  related: { lv: '2. Saistīto projektu programma', en: '2. Related projects' },
  objective: { lv: '3. Projekta mērķis un galvenie ieguvumi', en: '3. Objective and main benefits' },
  financing: { lv: '4. Finansējums', en: '4. Financing' },
  contribution: { lv: '5. Ieguldījums investīcijas mērķu sasniegšanā', en: "5. Contribution to the investment's targets" },
  governance: { lv: '6. Pārvaldība un īstenošanas kapacitāte', en: '6. Governance and capacity' },
  costBenefit: { lv: '7. Izmaksu un ieguvumu analīze', en: '7. Cost-benefit analysis' },
  other: { lv: '8. Cita būtiska informācija', en: '8. Other information' },
};

/** What an updated section holds, where a figure says it best: the financing's total. */
function sectionFigures(update: SectionUpdate): Description {
  if (update.section === 'financing') {
    const f = update.value;
    const vat =
      f.vatSource === 'not_requested' ? { lv: '', en: '' } : { lv: `, PVN ${moneyLv(f.vatCents)}`, en: `, VAT ${moneyEn(f.vatCents)}` };
    return {
      lv: ` (kopā ${moneyLv(f.totalCents)}${vat.lv}, ${countLv(f.costLines.length, 'izmaksu pozīcija', 'izmaksu pozīcijas')})`,
      en: ` (total ${moneyEn(f.totalCents)}${vat.en}, ${countEn(f.costLines.length, 'cost line', 'cost lines')})`,
    };
  }
  if (update.section === 'partners') {
    return {
      lv: ` (${countLv(update.value.length, 'partneris', 'partneri')})`,
      en: ` (${countEn(update.value.length, 'partner', 'partners')})`,
    };
  }
  return { lv: '', en: '' };
}

/** A project passport's event in words. */
export function describePassportEvent(event: StoredEvent<PassportEvent>): Description {
  switch (event.type) {
    case 'PassportDrafted.v1': {
      const { title, programme, recipient } = event.data;
      const ref = `${programme.fund} ${programme.programme} ${programme.period} ${programme.investment}`;
      return byActor(event.metadata, {
        lv: `izveidoja projekta pases melnrakstu ${quoteLv(title.lv)} (${ref}); finansējuma saņēmējs ${recipient.name}`,
        en: `drafted the project passport ${quoteEn(title.en)} (${ref}); recipient ${recipient.name}`,
      });
    }
    case 'PassportSectionUpdated.v1': {
      const section = SECTION[event.data.section];
      const figures = sectionFigures(event.data);
      return byActor(event.metadata, {
        lv: `atjaunināja projekta pases sadaļu ${quoteLv(section.lv)}${figures.lv}`,
        en: `updated section ${quoteEn(section.en)} of the project passport${figures.en}`,
      });
    }
    case 'PassportSubmitted.v1': {
      const { version, warnings } = event.data;
      const n = warnings.length;
      return byActor(event.metadata, {
        lv: `iesniedza projekta pases ${version}. versiju ${n === 0 ? 'bez brīdinājumiem' : `ar ${countLv(n, 'brīdinājumu', 'brīdinājumiem')} par neatbilstībām`}`,
        en: `submitted version ${version} of the project passport ${n === 0 ? 'with no consistency warnings' : `with ${countEn(n, 'consistency warning', 'consistency warnings')}`}`,
      });
    }
    case 'PassportReturned.v1': {
      const { comments } = event.data;
      const sections = [...new Set(comments.flatMap((c) => (c.section ? [c.section] : [])))].map((s) => SECTION[s]);
      const where = sections.length
        ? { lv: ` (sadaļas: ${sections.map((s) => s.lv).join('; ')})`, en: ` (sections: ${sections.map((s) => s.en).join('; ')})` }
        : { lv: '', en: '' };
      return byActor(event.metadata, {
        lv: `atgrieza projekta pasi precizēšanai ar ${countLv(comments.length, 'komentāru', 'komentāriem')}${where.lv}`,
        en: `returned the project passport for changes with ${countEn(comments.length, 'comment', 'comments')}${where.en}`,
      });
    }
    case 'PassportVerified.v1': {
      const { note } = event.data;
      return byActor(event.metadata, {
        lv: `pārbaudīja projekta pasi${note ? `. Piezīme: ${quoteLv(note)}` : ''}`,
        en: `verified the project passport${note ? `. Note: ${quoteEn(note)}` : ''}`,
      });
    }
    case 'PassportApproved.v1':
      return byActor(event.metadata, {
        lv: `apstiprināja projekta pases ${event.data.version}. versiju`,
        en: `approved version ${event.data.version} of the project passport`,
      });
    case 'PassportRejected.v2':
      return byActor(event.metadata, {
        lv: `noraidīja projekta pasi (${event.data.version}. versija). Iemesls: ${quoteLv(event.data.reason)}`,
        en: `rejected the project passport (version ${event.data.version}). Reason: ${quoteEn(event.data.reason)}`,
      });
    case 'PassportAmendmentRejected.v1':
      return byActor(event.metadata, {
        lv: `noraidīja projekta pases grozījumus (${event.data.version}. versija); spēkā paliek apstiprinātā versija. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `rejected the amendment of the project passport (version ${event.data.version}); the approved version stays in force. Reason: ${quoteEn(event.data.reason)}`,
      });
    case 'PassportAmendmentStarted.v1':
      return byActor(event.metadata, {
        lv: `uzsāka projekta pases grozījumus. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `started an amendment of the project passport. Reason: ${quoteEn(event.data.reason)}`,
      });
    case 'PassportWithdrawn.v1':
      return byActor(event.metadata, {
        lv: `atsauca projekta pasi. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `withdrew the project passport. Reason: ${quoteEn(event.data.reason)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/**
 * The passport's four-eyes steps (verification, approval, rejection of a submitted version), by
 * the rules its decider refuses with; `before` is the passport before the event.
 */
export function passportFourEyesStep(before: Passport, event: StoredEvent<PassportEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'PassportVerified.v1':
      if (before.status !== 'submitted') throw notTheStateBefore(event, before.status);
      return fourEyesStep(passportFourEyes.verify, event.data.verifiedBy, before);
    case 'PassportApproved.v1':
      if (before.status !== 'verified') throw notTheStateBefore(event, before.status);
      return fourEyesStep(passportFourEyes.approve, event.data.approvedBy, before);
    case 'PassportRejected.v2':
    case 'PassportAmendmentRejected.v1':
      if (before.status !== 'submitted' && before.status !== 'verified') throw notTheStateBefore(event, before.status);
      return fourEyesStep(passportFourEyes.reject, event.data.rejectedBy, before);
    case 'PassportDrafted.v1':
    case 'PassportSectionUpdated.v1':
    case 'PassportSubmitted.v1':
    case 'PassportReturned.v1':
    case 'PassportAmendmentStarted.v1':
    case 'PassportWithdrawn.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
