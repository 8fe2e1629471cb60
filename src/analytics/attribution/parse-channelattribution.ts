/**
 * Reads ChannelAttribution's path format:
 *
 *   path;total_conversions;total_conversion_value;total_null
 *   eta > iota > alpha > eta;1;0.244;3
 *
 * Columns are found by their header name, so their order is free; `path` and
 * `total_conversions` are required, value and nulls default to 0. Channels are split on
 * `>` and trimmed, empty pieces skipped (as ChannelAttribution does). A header without
 * `;` is read as comma-separated. Errors name the line and the column.
 */
import { invalid } from '../../shared/index.ts';
import { linesOf, type LineSource } from './lines.ts';
import type { Path } from './types.ts';

export const CHANNELATTRIBUTION_HEADER = 'path;total_conversions;total_conversion_value;total_null';

export async function readChannelAttribution(source: LineSource): Promise<Path[]> {
  const paths: Path[] = [];
  const names = new Map<string, string>();
  let lineNo = 0;
  let sep = ';';
  let col: { path: number; conversions: number; value: number; nulls: number } | null = null;
  for await (const raw of linesOf(source)) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    if (!col) {
      sep = line.includes(';') ? ';' : ',';
      const header = line.split(sep).map(h => unquote(h.trim()).toLowerCase());
      const at = (name: string) => header.indexOf(name);
      col = { path: at('path'), conversions: at('total_conversions'), value: at('total_conversion_value'), nulls: at('total_null') };
      if (col.path < 0 || col.conversions < 0) {
        throw invalid('header', `line ${lineNo}: expected the header ${CHANNELATTRIBUTION_HEADER} (total_conversion_value and total_null optional), got ${JSON.stringify(line)}`, { line: lineNo });
      }
      continue;
    }
    const fields = line.split(sep).map(f => unquote(f.trim()));
    const touches = [];
    for (const piece of (fields[col.path] ?? '').split('>')) {
      const name = piece.trim();
      if (name === '') continue;
      let interned = names.get(name);
      if (interned === undefined) { interned = name; names.set(name, name); }
      touches.push({ channel: interned });
    }
    if (touches.length === 0) throw invalid('path', `line ${lineNo}: the path has no channel`, { line: lineNo });
    const conversions = number(fields, col.conversions, 'total_conversions', lineNo);
    const value = col.value < 0 ? 0 : number(fields, col.value, 'total_conversion_value', lineNo);
    const nulls = col.nulls < 0 ? 0 : number(fields, col.nulls, 'total_null', lineNo);
    if (value > 0 && conversions === 0) throw invalid('total_conversion_value', `line ${lineNo}: a value without conversions`, { line: lineNo });
    paths.push({ touches, conversions, value, nulls });
  }
  if (!col) throw invalid('header', `the file is empty; expected the header ${CHANNELATTRIBUTION_HEADER}`);
  return paths;
}

function number(fields: string[], i: number, field: string, line: number): number {
  const text = fields[i];
  const v = text === undefined || text === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || v < 0) throw invalid(field, `line ${line}: expected a number ≥ 0, got ${JSON.stringify(text ?? '')}`, { line });
  return v;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}
