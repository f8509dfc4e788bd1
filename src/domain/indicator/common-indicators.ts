import type { BilingualName } from '../fund/events.js';

/** An EU common indicator (kopējais rādītājs) of the 2021-2027 cohesion regulation (ERDF/CF, Annex I). */
export interface CommonIndicator {
  code: string;
  name: BilingualName;
  unit: BilingualName;
  /** Output (RCO, iznākuma rādītājs) or result (RCR, rezultāta rādītājs). */
  type: 'output' | 'result';
  /**
   * True where code, name and unit were checked against the regulation; false where they are
   * remembered but not yet checked, so a reviewer knows which lines to confirm.
   */
  verified: boolean;
}

/** RCO01, RCR11, …: codes of this shape must be in the reference list below. */
export const COMMON_INDICATOR_CODE = /^RC[OR][0-9]{2,3}$/;

const out = (code: string, en: string, lv: string, unit: BilingualName, verified: boolean): CommonIndicator => ({
  code,
  name: { lv, en },
  unit,
  type: code.startsWith('RCO') ? 'output' : 'result',
  verified,
});

const enterprises = { lv: 'uzņēmumi', en: 'enterprises' };
const users = { lv: 'lietotāji gadā', en: 'users/year' };
const euro = { lv: 'EUR', en: 'EUR' };

/** A small reference list: the codes the programmes in this system use. Extend as measures need. */
export const COMMON_INDICATORS: readonly CommonIndicator[] = [
  out(
    'RCO01',
    'Enterprises supported (of which: micro, small, medium, large)',
    'Atbalstītie uzņēmumi (tostarp mikro, mazie, vidējie, lielie)',
    enterprises,
    true,
  ),
  out('RCO02', 'Enterprises supported by grants', 'Ar grantiem atbalstītie uzņēmumi', enterprises, true),
  out(
    'RCO13',
    'Value of digital services, products and processes developed for enterprises',
    'Uzņēmumiem izstrādāto digitālo pakalpojumu, produktu un procesu vērtība',
    euro,
    false,
  ),
  out(
    'RCO14',
    'Public institutions supported to develop digital services, products and processes',
    'Publiskās iestādes, kas saņēmušas atbalstu digitālo pakalpojumu, produktu un procesu izstrādei',
    { lv: 'publiskās iestādes', en: 'public institutions' },
    true,
  ),
  out(
    'RCO41',
    'Additional dwellings with broadband of very high capacity',
    'Papildu mājokļi ar ļoti augstas veiktspējas platjoslu',
    { lv: 'mājokļi', en: 'dwellings' },
    false,
  ),
  out(
    'RCO42',
    'Additional enterprises with broadband of very high capacity',
    'Papildu uzņēmumi ar ļoti augstas veiktspējas platjoslu',
    enterprises,
    false,
  ),
  out(
    'RCR02',
    'Private investments matching public support (of which: grants, financial instruments)',
    'Privātās investīcijas, kas papildina publisko atbalstu',
    euro,
    true,
  ),
  out(
    'RCR11',
    'Users of new and upgraded public digital services, products and processes',
    'Jauno un uzlaboto publisko digitālo pakalpojumu, produktu un procesu lietotāji',
    users,
    true,
  ),
  out(
    'RCR12',
    'Users of new and upgraded digital services, products and processes developed by enterprises',
    'Uzņēmumu izstrādāto jauno un uzlaboto digitālo pakalpojumu, produktu un procesu lietotāji',
    users,
    false,
  ),
];

export function commonIndicator(code: string): CommonIndicator | undefined {
  return COMMON_INDICATORS.find((c) => c.code === code);
}
