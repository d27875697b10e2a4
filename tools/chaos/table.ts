import type { RowResult } from './row';

const HEADERS = ['fault', 'readiness reports it', 'recovered', '5xx≠503', 'accepted → published + drops', 'result'];

function ledgerCell(r: RowResult): string {
  if (r.pass === null) return '—';
  const d = r.drops;
  const drops = [d.shed ? `shed ${d.shed}` : '', d.overflow ? `overflow ${d.overflow}` : '', d.expired ? `expired ${d.expired}` : '', d.lost ? `flushed ${d.lost}` : ''].filter(Boolean).join(' + ');
  const accepted = `${r.accepted}${r.unknown ? ` (+${r.unknown}?)` : ''}`;
  return `${accepted} → ${r.published}${drops ? ` + ${drops}` : ''} ${r.balanced ? '✓' : '✗'}`;
}

function resultCell(r: RowResult): string {
  if (r.pass === null) return `skipped: ${r.failures[0] ?? ''}`;
  return r.pass ? 'PASS' : 'FAIL';
}

/** The results as a fixed-width table, then each row's failures and notes. */
export function renderTable(rows: RowResult[]): string {
  const cells = rows.map((r) => [r.fault, r.readiness, r.recovered, r.pass === null ? '—' : String(r.bad5xx), ledgerCell(r), resultCell(r)]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  const out = [line(HEADERS), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)];
  out.push('', 'accepted = chat entries in 202 answers of signed deliveries ((+n?) = entries in deliveries that got no answer: they may or may not have been taken);');
  out.push('published = entries in stream.audience.pulse for the load\'s sessions; drops from /metrics (shed: control-api burst protection; overflow/expired: pulse-publisher) and, for the flush, the buffer length read in the same MULTI as FLUSHALL.');
  out.push('Balanced (✓) when accepted ≤ published + drops ≤ accepted + unanswered.');
  for (const r of rows) {
    out.push('', `${r.fault} (${r.seconds.toFixed(0)} s):`);
    for (const f of r.failures) out.push(`  ✗ ${f}`);
    for (const n of r.notes) out.push(`  · ${n}`);
  }
  return out.join('\n');
}
