import type { NodeInput, TargetInput } from '../application/programme-nodes.js';
import type { SeedData } from '../application/seed-reference-data.js';
import type { BilingualName } from '../domain/fund/events.js';

/*
 * Programme reference data loaded by `npm run seed`. Sources: Latvia's RRF plan and its investment
 * card for 2.1.2.1.i, the ERAF 2021–2027 programme, and the Cabinet regulations that name each
 * investment and measure.
 * Where the documents give no figure it is left out rather than guessed; dates that come from
 * a regulation rather than the documents say so.
 */

/** RRF measures may count costs from 1 February 2020 (Reg. (EU) 2021/241 Art. 17(2)). */
const RRF_ELIGIBLE_FROM = '2020-02-01';
/** Every RRF milestone and target must be met by 31 August 2026 (Reg. (EU) 2021/241 Art. 18(4)(i)). */
const RRF_DEADLINE = '2026-08-31';
/** Cohesion 2021–2027 expenditure is eligible from 1 January 2021 to 31 December 2029 (CPR 2021/1060 Art. 63(2)). */
const COHESION_FROM = '2021-01-01';
const COHESION_UNTIL = '2029-12-31';

const count = (code: string, name: BilingualName, unit: BilingualName, value: number, dueDate: string): TargetInput => ({
  code,
  kind: 'target',
  name,
  unit,
  value,
  dueDate,
});

const firstRound = (parent: string): NodeInput => ({
  code: `${parent}.1`,
  kind: 'selection_round',
  parent,
  name: { lv: '1. projektu atlases kārta', en: 'Project selection round 1' },
});

const rrfInvestment = (
  code: string,
  parent: string,
  name: BilingualName,
  targets: TargetInput[],
  plannedFundingCents?: number,
): NodeInput[] => [
  {
    code,
    kind: 'investment',
    parent,
    name,
    ...(plannedFundingCents === undefined ? {} : { plannedFundingCents }),
    startDate: RRF_ELIGIBLE_FROM,
    endDate: RRF_DEADLINE,
    targets,
  },
  firstRound(code),
];

const cohesionMeasure = (code: string, parent: string, name: BilingualName): NodeInput[] => [
  { code, kind: 'measure', parent, name, startDate: COHESION_FROM, endDate: COHESION_UNTIL },
  firstRound(code),
];

export const SEED_DATA: SeedData = {
  funds: [
    { code: 'RRF', kind: 'eu', name: { lv: 'Atveseļošanas un noturības mehānisms', en: 'Recovery and Resilience Facility' } },
    { code: 'ERDF', kind: 'eu', name: { lv: 'Eiropas Reģionālās attīstības fonds', en: 'European Regional Development Fund' } },
    { code: 'CF', kind: 'eu', name: { lv: 'Kohēzijas fonds', en: 'Cohesion Fund' } },
    { code: 'ESF+', kind: 'eu', name: { lv: 'Eiropas Sociālais fonds Plus', en: 'European Social Fund Plus' } },
    { code: 'STATE', kind: 'national', name: { lv: 'Valsts budžets', en: 'State budget' } },
  ],
  programmes: [
    {
      code: 'ANM',
      period: '2021-2026',
      fund: 'RRF',
      name: { lv: 'Latvijas Atveseļošanas un noturības mehānisma plāns', en: 'Latvian Recovery and Resilience Plan' },
      nodes: [
        { code: '2', kind: 'component', name: { lv: 'Digitālā transformācija', en: 'Digital transformation' } },
        {
          code: '2.1',
          kind: 'direction',
          parent: '2',
          name: {
            lv: 'Valsts pārvaldes, tai skaitā pašvaldību, digitālā transformācija',
            en: 'Digital transformation of public administration, including municipalities',
          },
        },
        ...rrfInvestment(
          '2.1.2.1.i',
          '2.1',
          { lv: 'Pārvaldes centralizētās platformas un sistēmas', en: 'Centralised government platforms and systems' },
          [
            count(
              'T1',
              {
                lv: 'Apstiprināti koordinēti plāni centralizētu funkciju vai pakalpojumu izveidei, pārveidei vai ieviešanai',
                en: 'Coordinated plans approved for creating, transforming or introducing centralised functions or services',
              },
              { lv: 'plāni', en: 'plans' },
              15,
              '2023-03-31',
            ),
            count(
              'T2',
              {
                lv: 'Pieņemti saskaņoti apraksti centralizētu IKT risinājumu izstrādes darbībām',
                en: 'Agreed descriptions adopted for developing centralised ICT solutions',
              },
              { lv: 'apraksti', en: 'descriptions' },
              15,
              '2023-09-30',
            ),
            count(
              'T3',
              {
                lv: 'Izveidotas un ekspluatācijā esošas centralizētās IKT platformas un sistēmas',
                en: 'Centralised ICT platforms and systems built and in operation',
              },
              { lv: 'platformas un sistēmas', en: 'platforms and systems' },
              15,
              '2026-08-31',
            ),
          ],
          7_017_792_000, // EUR 70,177,920 (seed 003)
        ),
        {
          code: '2.2',
          kind: 'direction',
          parent: '2',
          name: { lv: 'Uzņēmumu digitālā transformācija un inovācijas', en: 'Digital transformation of enterprises and innovation' },
        },
        ...rrfInvestment(
          '2.2.1.2.i',
          '2.2',
          { lv: 'Atbalsts procesu digitalizācijai komercdarbībā', en: 'Support for digitalising business processes' },
          [
            count(
              'T1',
              { lv: 'Atbalstītie gala labuma guvēji', en: 'Final beneficiaries supported' },
              { lv: 'gala labuma guvēji', en: 'final beneficiaries' },
              80,
              '2024-06-30',
            ),
            count(
              'T2',
              { lv: 'Atbalstītie gala labuma guvēji', en: 'Final beneficiaries supported' },
              { lv: 'gala labuma guvēji', en: 'final beneficiaries' },
              200,
              '2026-06-30',
            ),
          ],
        ),
        { code: '2.3', kind: 'direction', parent: '2', name: { lv: 'Digitālās prasmes', en: 'Digital skills' } },
        ...rrfInvestment(
          '2.3.1.2.i',
          '2.3',
          { lv: 'Uzņēmumu digitālo prasmju attīstība', en: "Development of enterprises' digital skills" },
          [
            count(
              'T1',
              { lv: 'Atbalstītie komersanti', en: 'Companies supported' },
              { lv: 'komersanti', en: 'companies' },
              1080,
              '2024-06-30',
            ),
            count(
              'T2',
              { lv: 'Atbalstītie komersanti', en: 'Companies supported' },
              { lv: 'komersanti', en: 'companies' },
              2521,
              '2026-06-30',
            ),
          ],
        ),
        {
          code: '2.4',
          kind: 'direction',
          parent: '2',
          name: { lv: 'Digitālās infrastruktūras transformācija', en: 'Transformation of digital infrastructure' },
        },
        ...rrfInvestment(
          '2.4.1.2.i',
          '2.4',
          {
            lv: 'Platjoslas jeb ļoti augstas veiktspējas tīklu "pēdējās jūdzes" infrastruktūras attīstība',
            en: 'Last-mile infrastructure of broadband (very high capacity) networks',
          },
          [
            count(
              'T1',
              { lv: 'Telpas ar piekļuvi ļoti augstas veiktspējas tīklam', en: 'Premises with very-high-capacity network access' },
              { lv: 'telpas', en: 'premises' },
              500,
              '2024-12-31',
            ),
            count(
              'T2',
              { lv: 'Telpas ar piekļuvi ļoti augstas veiktspējas tīklam', en: 'Premises with very-high-capacity network access' },
              { lv: 'telpas', en: 'premises' },
              6200,
              '2025-12-31',
            ),
          ],
        ),
      ],
    },
    {
      code: 'ESIF',
      period: '2021-2027',
      fund: 'ERDF',
      name: {
        lv: 'Eiropas Savienības kohēzijas politikas programma 2021.–2027. gadam',
        en: 'European Union Cohesion Policy Programme 2021–2027',
      },
      nodes: [
        {
          code: '1',
          kind: 'policy_objective',
          name: { lv: 'Konkurētspējīgāka un viedāka Eiropa', en: 'A more competitive and smarter Europe' },
        },
        // 1.1.2 and 1.1.2.2 carry the CPR wording (RSO1.4) and the RRF investment they continue
        // (domain.md: 2.3.1.2.i continues as 1.1.2.2); check them against the programme text.
        {
          code: '1.1.2',
          kind: 'specific_objective',
          parent: '1',
          name: {
            lv: 'Prasmju attīstīšana viedajai specializācijai, rūpniecības pārkārtošanai un uzņēmējdarbībai',
            en: 'Developing skills for smart specialisation, industrial transition and entrepreneurship',
          },
        },
        ...cohesionMeasure('1.1.2.2', '1.1.2', {
          lv: 'Uzņēmumu digitālo prasmju attīstība',
          en: "Development of enterprises' digital skills",
        }),
        {
          code: '1.3.1',
          kind: 'specific_objective',
          parent: '1',
          name: {
            lv: 'Izmantot digitalizācijas priekšrocības iedzīvotājiem, uzņēmumiem, pētniecības organizācijām un publiskajām iestādēm',
            en: 'Reaping the benefits of digitisation for citizens, companies, research organisations and public authorities',
          },
        },
        ...cohesionMeasure('1.3.1.1', '1.3.1', {
          lv: 'IKT risinājumu un pakalpojumu attīstība un iespēju radīšana privātajam sektoram',
          en: 'Developing ICT solutions and services and creating opportunities for the private sector',
        }),
      ],
    },
  ],
};
