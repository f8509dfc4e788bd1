import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import {
  byActor,
  countEn,
  countLv,
  dateEn,
  dateLv,
  notTheStateBefore,
  numberEn,
  numberLv,
  quoteEn,
  quoteLv,
  shortId,
  type Description,
} from '../describe.js';
import { fourEyesStep, type FourEyesStep } from '../four-eyes.js';
import { indicatorFourEyes, type Indicator, type ValueReport } from './decider.js';
import type { IndicatorEvent, IndicatorPlacement, Qualifier } from './events.js';

const QUALIFIER: Record<Qualifier, Description> = {
  exact: { lv: '', en: '' },
  more_than: { lv: 'vairāk nekā ', en: 'more than ' },
  approximately: { lv: 'aptuveni ', en: 'approximately ' },
  at_least: { lv: 'vismaz ', en: 'at least ' },
};

/** What the indicator is placed on: `investīcijai 2.3.1.2.i (RRF ANM 2021-2026)`. RRF codes are investments, cohesion codes measures. */
function placementOf(on: IndicatorPlacement): Description {
  const rrf = on.fund === 'RRF';
  const where = `${on.investment} (${on.fund} ${on.programme} ${on.period})`;
  return on.level === 'investment'
    ? { lv: `${rrf ? 'investīcijai' : 'pasākumam'} ${where}`, en: `for ${rrf ? 'investment' : 'measure'} ${where}` }
    : {
        lv: `projektam ID ${shortId(on.projectId)} (${rrf ? 'investīcija' : 'pasākums'} ${where})`,
        en: `for project ID ${shortId(on.projectId)} (${rrf ? 'investment' : 'measure'} ${where})`,
      };
}

/** An indicator's event in words. */
export function describeIndicatorEvent(event: StoredEvent<IndicatorEvent>): Description {
  switch (event.type) {
    case 'IndicatorDefined.v1': {
      const d = event.data;
      const on = placementOf(d.on);
      const value =
        d.target.value === null
          ? { lv: `termiņš ${dateLv(d.target.dueDate)}`, en: `due ${dateEn(d.target.dueDate)}` }
          : {
              lv: `${numberLv(d.target.value)}${d.unit ? ` ${d.unit.lv}` : ''} līdz ${dateLv(d.target.dueDate)}`,
              en: `${numberEn(d.target.value)}${d.unit ? ` ${d.unit.en}` : ''} by ${dateEn(d.target.dueDate)}`,
            };
      const baseline = d.baseline
        ? {
            lv: `, sākotnējā vērtība ${numberLv(d.baseline.value)} (${dateLv(d.baseline.date)})`,
            en: `, baseline ${numberEn(d.baseline.value)} on ${dateEn(d.baseline.date)}`,
          }
        : { lv: '', en: '' };
      const n = d.contributingProjects.length;
      const summed =
        n > 0
          ? { lv: `; summē ${countLv(n, 'projekta', 'projektu')} vērtības`, en: `; the sum of ${countEn(n, 'project', 'projects')}` }
          : { lv: '', en: '' };
      const kind = d.kind === 'target' ? { lv: 'mērķa rādītāju', en: 'target indicator' } : { lv: 'atskaites punktu', en: 'milestone' };
      return byActor(event.metadata, {
        lv: `noteica ${kind.lv} ${d.code} ${quoteLv(d.name.lv)} ${on.lv}: ${value.lv}${baseline.lv}${summed.lv}`,
        en: `defined ${kind.en} ${d.code} ${quoteEn(d.name.en)} ${on.en}: ${value.en}${baseline.en}${summed.en}`,
      });
    }
    case 'IndicatorValueReported.v1': {
      const d = event.data;
      const extra = { lv: [`ziņojums Nr. ${d.report}`], en: [`report No. ${d.report}`] };
      if (d.corrects !== null) {
        extra.lv.push(`labo ziņojumu Nr. ${d.corrects}`);
        extra.en.push(`correcting report No. ${d.corrects}`);
      }
      if (d.evidence.length > 0) {
        extra.lv.push(countLv(d.evidence.length, 'pamatojošais dokuments', 'pamatojošie dokumenti'));
        extra.en.push(countEn(d.evidence.length, 'evidence document', 'evidence documents'));
      }
      const q = QUALIFIER[d.qualifier];
      return byActor(event.metadata, {
        lv: `ziņoja rādītāja vērtību ${q.lv}${numberLv(d.value)} uz ${dateLv(d.asOfDate)} (${extra.lv.join(', ')})`,
        en: `reported an indicator value of ${q.en}${numberEn(d.value)} as of ${dateEn(d.asOfDate)} (${extra.en.join(', ')})`,
      });
    }
    case 'IndicatorValueVerified.v1': {
      const { report, note } = event.data;
      return byActor(event.metadata, {
        lv: `pārbaudīja rādītāja vērtības ziņojumu Nr. ${report}${note ? `. Piezīme: ${quoteLv(note)}` : ''}`,
        en: `verified indicator value report No. ${report}${note ? `. Note: ${quoteEn(note)}` : ''}`,
      });
    }
    case 'IndicatorValueRejected.v1': {
      const { report, reason } = event.data;
      return byActor(event.metadata, {
        lv: `noraidīja rādītāja vērtības ziņojumu Nr. ${report}. Iemesls: ${quoteLv(reason)}`,
        en: `rejected indicator value report No. ${report}. Reason: ${quoteEn(reason)}`,
      });
    }
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** The report the event reviews, as the indicator held it before the event. */
function reportBefore(before: Indicator, event: StoredEvent<IndicatorEvent>, report: number): ValueReport {
  if (before.status !== 'defined') throw notTheStateBefore(event, 'not defined');
  const found = before.reports.find((r) => r.report === report);
  if (!found) throw notTheStateBefore(event, `without report ${report}`);
  return found;
}

/** The indicator's four-eyes steps (a value's verification or rejection), by the rules its decider refuses with. */
export function indicatorFourEyesStep(before: Indicator, event: StoredEvent<IndicatorEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'IndicatorValueVerified.v1':
      return fourEyesStep(indicatorFourEyes.verify, event.data.verifiedBy, reportBefore(before, event, event.data.report));
    case 'IndicatorValueRejected.v1':
      return fourEyesStep(indicatorFourEyes.reject, event.data.rejectedBy, reportBefore(before, event, event.data.report));
    case 'IndicatorDefined.v1':
    case 'IndicatorValueReported.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
