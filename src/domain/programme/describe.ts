import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, quoteEn, quoteLv, type Description } from '../describe.js';
import type { FourEyesStep } from '../four-eyes.js';
import { programmeKeyOf, programmeLabel, type Programme } from './decider.js';
import type { ProgrammeEvent } from './events.js';

/** A programme's event in words. */
export function describeProgrammeEvent(event: StoredEvent<ProgrammeEvent>): Description {
  const label = programmeLabel(programmeKeyOf(event.streamId));
  switch (event.type) {
    case 'ProgrammeDefined.v1': {
      const { name, fund } = event.data;
      return byActor(event.metadata, {
        lv: `izveidoja programmu ${programmeLabel(event.data)} ${quoteLv(name.lv)} (fonds ${fund})`,
        en: `defined programme ${programmeLabel(event.data)} ${quoteEn(name.en)} (fund ${fund})`,
      });
    }
    case 'ProgrammeAmended.v1': {
      const { name, fund, reason } = event.data;
      return byActor(event.metadata, {
        lv: `grozīja programmu ${label}: nosaukums ${quoteLv(name.lv)}, fonds ${fund}. Iemesls: ${quoteLv(reason)}`,
        en: `amended programme ${label}: name ${quoteEn(name.en)}, fund ${fund}. Reason: ${quoteEn(reason)}`,
      });
    }
    case 'ProgrammeRetired.v1':
      return byActor(event.metadata, {
        lv: `slēdza programmu ${label}. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `retired programme ${label}. Reason: ${quoteEn(event.data.reason)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** A programme has no four-eyes steps. */
export function programmeFourEyesStep(_before: Programme, event: StoredEvent<ProgrammeEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'ProgrammeDefined.v1':
    case 'ProgrammeAmended.v1':
    case 'ProgrammeRetired.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
