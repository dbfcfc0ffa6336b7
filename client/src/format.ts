// The formatter alone: @shopsync/core's index also defines the zod schemas (~30 KB gzipped).
export { escapeHtml, formatMoney, formatTotal, totalsByCurrency } from '@shopsync/core/format';
