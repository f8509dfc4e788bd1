import type { IndicatorProgress } from '../../../projections/progress/evaluate.js';
import type { ExecutionMeasures } from '../../../projections/budget-execution/queries.js';
import type { CouncilReport } from '../../../projections/council-report/report.js';
import type { ProgressStatus } from '../../domain/indicator/status.js';

/*
 * The council report as one printable page (A4): tables with units and EUR amounts, charts as
 * inline SVG, no scripts, fonts or images from elsewhere. Status is always written out, the
 * colour only repeats it; overdue rows are highlighted.
 */

const STATUS: Record<ProgressStatus, { label: string; colour: string }> = {
  achieved: { label: 'Achieved', colour: '#2e7d32' },
  on_track: { label: 'On track', colour: '#1565c0' },
  at_risk: { label: 'At risk', colour: '#ef6c00' },
  overdue: { label: 'Overdue', colour: '#c62828' },
  not_started: { label: 'Not started', colour: '#757575' },
};

const esc = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const number = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });
const money = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const eur = (cents: number) => `EUR ${money.format(cents / 100)}`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const num = (n: number | undefined) => (n === undefined ? '—' : number.format(n));
const statusLabel = (s: ProgressStatus | 'not_defined') =>
  s === 'not_defined'
    ? 'Not defined'
    : `<span class="status" style="border-color:${STATUS[s].colour};color:${STATUS[s].colour}">${STATUS[s].label}</span>`;

interface Bar {
  label: string;
  value: number;
  text: string;
  colour: string;
}

/** A horizontal bar chart; every bar carries its label and value as text. */
function barChart(title: string, bars: Bar[]): string {
  const width = 640;
  const row = 26;
  const labelWidth = 200;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(1, bars.length) * row + 30;
  const body = bars.length
    ? bars
        .map((b, i) => {
          const y = 24 + i * row;
          const w = Math.max(2, Math.round(((width - labelWidth - 170) * b.value) / max));
          return `<text x="0" y="${y + 14}" class="axis">${esc(b.label)}</text>
<rect x="${labelWidth}" y="${y}" width="${w}" height="18" fill="${b.colour}"><title>${esc(b.label)}: ${esc(b.text)}</title></rect>
<text x="${labelWidth + w + 6}" y="${y + 14}" class="value">${esc(b.text)}</text>`;
        })
        .join('\n')
    : `<text x="0" y="40" class="axis">No data in this report</text>`;
  return `<figure><svg role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<text x="0" y="14" class="chart-title">${esc(title)}</text>
${body}
</svg></figure>`;
}

const indicatorTable = (rows: IndicatorProgress[], empty: string) =>
  rows.length === 0
    ? `<p class="empty">${esc(empty)}</p>`
    : `<table><thead><tr><th>Indicator</th><th>Investment / project</th><th>Due</th><th class="n">Target</th><th class="n">Verified</th><th class="n">% of target</th><th>Status</th></tr></thead><tbody>
${rows
  .map(
    (
      x,
    ) => `<tr class="${x.status === 'overdue' ? 'overdue' : ''}" data-status="${x.status}"><td><b>${esc(x.code)}</b> ${esc(x.name.en)}<br><small lang="lv">${esc(x.name.lv)}</small></td>
<td>${esc(x.fund)} ${esc(x.investment)}${x.projectId ? `<br><small>project ${esc(x.projectId)}</small>` : ''}</td><td>${esc(x.target.dueDate)}</td>
<td class="n">${num(x.target.value)} ${esc(x.unit?.en ?? '')}</td><td class="n">${num(x.verified?.value)}</td>
<td class="n">${x.percentOfTarget === undefined ? '—' : `${number.format(x.percentOfTarget)} %`}</td><td>${statusLabel(x.status)}</td></tr>`,
  )
  .join('\n')}</tbody></table>`;

const CSS = `@page { size: A4; margin: 15mm; }
body { font: 10.5pt/1.4 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0 auto; max-width: 190mm; }
h1 { font-size: 18pt; margin: 0 0 2mm; } h2 { font-size: 13pt; margin: 8mm 0 2mm; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; } th, td { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; } td.n, th.n { text-align: right; white-space: nowrap; }
tr.overdue td { background: #fde0e0; } tr.overdue td:first-child { border-left: 4px solid #c62828; }
.status { border: 1px solid; border-radius: 3px; padding: 0 1.5mm; font-weight: bold; white-space: nowrap; }
.chart-title { font-weight: bold; font-size: 12px; } .axis, .value { font-size: 11px; }
figure { margin: 2mm 0; } .empty, .note { color: #555; font-style: italic; }
tr, figure { break-inside: avoid; } h2 { break-after: avoid; }
@media print { body { max-width: none; } }`;

const findingsSection = (s: CouncilReport['openAuditFindings']) =>
  s.items.length === 0
    ? '<p class="empty">No open findings.</p>'
    : `<table><thead><tr><th>Raised</th><th>Category</th><th>Severity</th><th>Status</th><th class="n">Amount at risk</th><th>Action deadline</th></tr></thead><tbody>
${s.items.map((f) => `<tr class="${f.actionOverdue ? 'overdue' : ''}"><td>${esc(f.raisedAt.slice(0, 10))}<br><small>project ${esc(f.projectId)}</small></td><td>${esc(f.category.replaceAll('_', ' '))}${f.reportable ? '<br><small>reported onwards (EU share above EUR 10,000)</small>' : ''}</td><td>${esc(f.severity)}</td><td>${esc(f.status.replaceAll('_', ' '))}</td><td class="n">${eur(f.amountAtRiskCents)}</td><td>${esc(f.deadline ?? '—')}${f.actionOverdue ? ' <b>(overdue)</b>' : ''}</td></tr>`).join('\n')}
</tbody></table>`;

const alertsSection = (s: CouncilReport['doubleFundingAlerts']) =>
  s.items.length === 0
    ? '<p class="empty">No undecided alerts.</p>'
    : `<table><thead><tr><th>Rule</th><th>About</th><th>Projects</th><th class="n">Amount at risk</th></tr></thead><tbody>
${s.items.map((a) => `<tr><td>${esc(a.rule.replaceAll('_', ' '))}</td><td>${esc(a.key)}</td><td>${a.projectIds.map(esc).join('<br>')}</td><td class="n">${eur(a.amountAtRiskCents)}</td></tr>`).join('\n')}
</tbody></table>`;

const MEASURE_HEADERS =
  '<th class="n">Planned</th><th class="n">Contracted</th><th class="n">Claimed</th><th class="n">Verified eligible</th><th class="n">Paid</th><th class="n">Corrected</th><th class="n">Remaining</th>';
const measureCells = (m: ExecutionMeasures) =>
  [m.plannedCents, m.contractedCents, m.claimedCents, m.verifiedEligibleCents, m.paidCents, m.correctedCents, m.remainingCents]
    .map((c) => `<td class="n">${eur(c)}</td>`)
    .join('');

function budgetSection(b: CouncilReport['budgetExecution']): string {
  if (b.byFund.length === 0) return '<p class="empty">No budget is open.</p>';
  return `<p>As known at ${esc(b.asOf)}. Remaining = planned − (verified eligible − corrected).</p>
${barChart(
  'Budget planned by fund (EUR), with what is paid',
  b.byFund.map((f) => ({
    label: f.fund,
    value: f.plannedCents,
    text: `${eur(f.plannedCents)}, paid ${eur(f.paidCents)}`,
    colour: '#37474f',
  })),
)}
<table><thead><tr><th>Fund / investment</th><th class="n">Projects</th>${MEASURE_HEADERS}</tr></thead><tbody>
${b.byFund
  .map(
    (f) => `<tr><td><b>${esc(f.fund)}</b></td><td class="n">${f.projects}</td>${measureCells(f)}</tr>
${b.investments
  .filter((i) => i.fund === f.fund)
  .map((i) => `<tr><td>${esc(i.programme)} ${esc(i.investment)}</td><td class="n">${i.projects}</td>${measureCells(i)}</tr>`)
  .join('\n')}`,
  )
  .join('\n')}
<tr><td><b>Total</b></td><td></td>${measureCells(b.total)}</tr>
</tbody></table>
<table><thead><tr><th>Funding source</th>${MEASURE_HEADERS}</tr></thead><tbody>
${b.bySource.map((x) => `<tr><td>${esc(x.source)}</td>${measureCells(x)}</tr>`).join('\n')}
</tbody></table>`;
}

export function councilReportHtml(r: CouncilReport): string {
  const p = r.portfolio;
  const c = r.changes;
  const statusBars = Object.keys(STATUS).map((s) => {
    const k = s as ProgressStatus;
    return {
      label: STATUS[k].label,
      value: r.progress.statusCounts[k],
      text: plural(r.progress.statusCounts[k], 'indicator', 'indicators'),
      colour: STATUS[k].colour,
    };
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Supervisory council report ${esc(r.window.from)} – ${esc(r.window.to)}</title>
<style>${CSS}</style></head><body>
<h1>Supervisory council report</h1>
<p>Reporting window <b>${esc(r.window.from)}</b> to <b>${esc(r.window.to)}</b> (both days included, UTC). Progress as known at ${esc(r.progress.asOf)}. Generated ${esc(r.generatedAt)}.</p>

<h2>1. Portfolio</h2>
<p>${plural(p.totals.projects, 'project', 'projects')}; ${p.totals.approvedProjects} with an approved passport; money approved: <b>${eur(p.totals.approvedCents)}</b>.</p>
${barChart(
  'Projects by status (number of projects)',
  p.byStatus.map((s) => ({ label: s.status, value: s.projects, text: plural(s.projects, 'project', 'projects'), colour: '#546e7a' })),
)}
${barChart(
  'Money approved by fund (EUR)',
  p.byFund.map((f) => ({ label: f.fund, value: f.approvedCents, text: eur(f.approvedCents), colour: '#00695c' })),
)}
<table><thead><tr><th>Fund</th><th class="n">Projects</th><th class="n">Approved projects</th><th class="n">Money approved</th></tr></thead><tbody>
${p.byFund.map((f) => `<tr><td>${esc(f.fund)}</td><td class="n">${f.projects}</td><td class="n">${f.approvedProjects}</td><td class="n">${eur(f.approvedCents)}</td></tr>`).join('\n')}
</tbody></table>

<h2>2. Progress to target</h2>
${barChart('Indicators by status', statusBars)}
${indicatorTable(r.progress.indicators, 'No indicators are defined.')}

<h2>3. Overdue and at-risk items</h2>
<h3>Overdue (${r.overdue.length})</h3>
${indicatorTable(r.overdue, 'Nothing is overdue.')}
<h3>At risk (${r.atRisk.length})</h3>
${indicatorTable(r.atRisk, 'Nothing is at risk.')}

<h2>4. What changed in the window</h2>
<p>${c.totalEvents} events recorded.</p>
<table><thead><tr><th>Stream type</th><th>Event</th><th class="n">Events</th></tr></thead><tbody>
${c.events.map((e) => `<tr><td>${esc(e.streamType)}</td><td>${esc(e.eventType)}</td><td class="n">${e.events}</td></tr>`).join('\n')}
</tbody></table>
<h3>Project status changes (${c.projectStatusChanges.length})</h3>
${
  c.projectStatusChanges.length === 0
    ? '<p class="empty">None.</p>'
    : `<table><thead><tr><th>Last change</th><th>Project</th><th>At the start</th><th>At the end</th><th class="n">Steps</th><th>Last by</th></tr></thead><tbody>
${c.projectStatusChanges.map((x) => `<tr><td>${esc(x.recordedAt)}</td><td>${esc(x.title)}<br><small>${esc(x.fund)} ${esc(x.investment)}</small></td><td>${esc(x.from ?? '—')}</td><td>${esc(x.to)}</td><td class="n">${x.steps}</td><td>${esc(x.actor)}</td></tr>`).join('\n')}
</tbody></table>`
}
<h3>Indicator status changes by level</h3>
${
  c.indicatorStatusTransitions.length === 0
    ? '<p class="empty">None.</p>'
    : `<table><thead><tr><th>Level</th><th>From</th><th>To</th><th class="n">Indicators</th></tr></thead><tbody>
${c.indicatorStatusTransitions.map((t) => `<tr><td>${esc(t.level)}</td><td>${statusLabel(t.from)}</td><td>${statusLabel(t.to)}</td><td class="n">${t.indicators}</td></tr>`).join('\n')}
</tbody></table>`
}
<h3>Indicator status changes${r.progress.detail === 'project' ? '' : ' at investment level'} (${c.indicatorStatusChanges.length})</h3>
${
  c.indicatorStatusChanges.length === 0
    ? '<p class="empty">None.</p>'
    : `<table><thead><tr><th>Indicator</th><th>Investment</th><th>From</th><th>To</th></tr></thead><tbody>
${c.indicatorStatusChanges.map((x) => `<tr><td><b>${esc(x.code)}</b> ${esc(x.name.en)}</td><td>${esc(x.investment)}</td><td>${statusLabel(x.from)}</td><td>${statusLabel(x.to)}</td></tr>`).join('\n')}
</tbody></table>`
}

<h2>5. Budget execution</h2>
${budgetSection(r.budgetExecution)}

<h2>6. Open audit findings</h2>
${findingsSection(r.openAuditFindings)}
<h2>7. Double-funding alerts</h2>
${alertsSection(r.doubleFundingAlerts)}
</body></html>
`;
}
