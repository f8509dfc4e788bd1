import type { StoredEvent } from '../../eventstore/port.js';
import { UnknownMessage } from '../decider.js';
import { byActor, quoteEn, quoteLv, streamKey, type Description } from '../describe.js';
import type { FourEyesStep } from '../four-eyes.js';
import type { Fund } from './decider.js';
import type { FundEvent, FundKind } from './events.js';

const KIND: Record<FundKind, Description> = {
  eu: { lv: 'ES fonds', en: 'EU fund' },
  national: { lv: 'valsts finansējums', en: 'national funding' },
  private: { lv: 'privātais finansējums', en: 'private funding' },
};

/** A fund's event in words. */
export function describeFundEvent(event: StoredEvent<FundEvent>): Description {
  const code = streamKey(event.streamId);
  switch (event.type) {
    case 'FundRegistered.v1': {
      const { code, name, kind } = event.data;
      return byActor(event.metadata, {
        lv: `reģistrēja fondu ${code} ${quoteLv(name.lv)} (${KIND[kind].lv})`,
        en: `registered fund ${code} ${quoteEn(name.en)} (${KIND[kind].en})`,
      });
    }
    case 'FundRenamed.v1': {
      const { name, reason } = event.data;
      return byActor(event.metadata, {
        lv: `pārdēvēja fondu ${code} par ${quoteLv(name.lv)}. Iemesls: ${quoteLv(reason)}`,
        en: `renamed fund ${code} to ${quoteEn(name.en)}. Reason: ${quoteEn(reason)}`,
      });
    }
    case 'FundRetired.v1':
      return byActor(event.metadata, {
        lv: `slēdza fondu ${code}. Iemesls: ${quoteLv(event.data.reason)}`,
        en: `retired fund ${code}. Reason: ${quoteEn(event.data.reason)}`,
      });
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}

/** A fund has no four-eyes steps. */
export function fundFourEyesStep(_before: Fund, event: StoredEvent<FundEvent>): FourEyesStep | null {
  switch (event.type) {
    case 'FundRegistered.v1':
    case 'FundRenamed.v1':
    case 'FundRetired.v1':
      return null;
    default: {
      const exhaustive: never = event;
      throw new UnknownMessage(exhaustive);
    }
  }
}
