/** Ad spend: imported per day, channel and campaign; summed for ROAS and cost per conversion. */
export { parseSpendRows, parseSpendCsv, MAX_SPEND_ROWS, type SpendRow } from './parse.ts';
export { importSpend, spendFor, listSpend, type SpendImport, type SpendTotals, type SpendListing } from './repo.ts';
