import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, countEn, countLv, quoteEn, quoteLv, type Description } from '../describe.js';
import type { FourEyesStep } from '../four-eyes.js';
import type { ImportJob } from './decider.js';
import type { ImportJobEvent } from './events.js';

/** An import job's event in words. */
export function describeImportJobEvent(event: StoredEvent<ImportJobEvent>): Description {
  switch (event.type) {
    case 'ImportJobStarted.v1': {
      const { file, rows } = event.data;
      const name = file.name ?? file.format.toUpperCase();
      return byActor(event.metadata, {
        lv: `sāka rēķinu importu no faila ${quoteLv(name)} (${countLv(rows, 'rinda', 'rindas')})`,
        en: `started an invoice import from the file ${quoteEn(name)} (${countEn(rows, 'row', 'rows')})`,
      });
    }
    case 'ImportRowsAccepted.v1': {
      const n = event.data.rows.length;
      return {
        lv: `Importa ${event.data.chunk + 1}. daļa pārbaudīta: ${countLv(n, 'rinda', 'rindas')}`,
        en: `Import chunk ${event.data.chunk + 1} checked: ${countEn(n, 'row', 'rows')}`,
      };
    }
    case 'ImportChunkStored.v1': {
      const { chunk, invoices, newAlerts } = event.data;
      return {
        lv: `Importa ${chunk + 1}. daļa saglabāta budžetā: ${countLv(invoices.length, 'rēķins', 'rēķini')}, ${countLv(newAlerts.length, 'jauns brīdinājums', 'jauni brīdinājumi')}`,
        en: `Import chunk ${chunk + 1} stored in the budget: ${countEn(invoices.length, 'invoice', 'invoices')}, ${countEn(newAlerts.length, 'new alert', 'new alerts')}`,
      };
    }
    case 'ImportJobCompleted.v1':
      return {
        lv: `Rēķinu imports pabeigts: ${countLv(event.data.stored, 'rēķins', 'rēķini')}`,
        en: `Invoice import completed: ${countEn(event.data.stored, 'invoice', 'invoices')}`,
      };
    case 'ImportJobFailed.v1':
      return {
        lv: `Rēķinu imports neizdevās: ${countLv(event.data.issues.length, 'problēma', 'problēmas')}; saglabāti ${event.data.stored}`,
        en: `Invoice import failed: ${countEn(event.data.issues.length, 'problem', 'problems')}; ${event.data.stored} stored`,
      };
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** An import is one beneficiary's: no four-eyes steps. */
export function importJobFourEyesStep(_before: ImportJob, event: StoredEvent<ImportJobEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'ImportJobStarted.v1':
    case 'ImportRowsAccepted.v1':
    case 'ImportChunkStored.v1':
    case 'ImportJobCompleted.v1':
    case 'ImportJobFailed.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
