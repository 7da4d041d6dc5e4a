/**
 * CSV for people (RFC 4180 cells, CRLF rows), shared by the audit export and the
 * Activity page's download. A cell a spreadsheet would read as a formula (leading
 * = + - @ tab CR) gets a leading apostrophe (OWASP "CSV injection"): such a file is for
 * reading; the JSON lines export is the one to verify.
 */
export function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(cells: readonly (string | number | undefined)[]): string {
  return cells.map(csvCell).join(',');
}
