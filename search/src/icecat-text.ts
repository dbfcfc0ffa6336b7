/**
 * Icecat's text fields are HTML fragments as often as plain text ("Processor E8200 <br />(6M
 * Cache…", "<ul><li>…</li></ul>", "&#1057;artridge 701", "90&deg;"), and the storefront prints
 * them as text. `plainText` turns a fragment into the text it shows: line breaks where the markup
 * breaks lines, "• " before a list item, every other tag dropped, character references decoded.
 *
 * One pass over the input, never a regular expression over a tag: an import is an untrusted
 * file, and a pattern that backtracks turns a field of "<a<a<a…" into minutes of work.
 */

/** Tags that end a line (their opening and closing tags alike). */
const BREAKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'tr',
  'ul',
]);
/** Table cells: their text is apart from the next cell's, on one line. */
const CELLS = new Set(['td', 'th']);

/** Named references: HTML's basic five, no-break space, and Latin-1's common signs and letters. */
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  iexcl: '¡',
  cent: '¢',
  pound: '£',
  curren: '¤',
  yen: '¥',
  brvbar: '¦',
  sect: '§',
  uml: '¨',
  copy: '©',
  ordf: 'ª',
  laquo: '«',
  not: '¬',
  shy: '',
  reg: '®',
  macr: '¯',
  deg: '°',
  plusmn: '±',
  sup2: '²',
  sup3: '³',
  acute: '´',
  micro: 'µ',
  para: '¶',
  middot: '·',
  cedil: '¸',
  sup1: '¹',
  ordm: 'º',
  raquo: '»',
  frac14: '¼',
  frac12: '½',
  frac34: '¾',
  iquest: '¿',
  times: '×',
  divide: '÷',
  szlig: 'ß',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  hellip: '…',
  euro: '€',
  trade: '™',
};
// The accented Latin-1 letters (&Agrave; … &yuml;): name = letter + accent.
const ACCENTS: [string, string, string][] = [
  ['grave', 'AEIOUaeiou', 'ÀÈÌÒÙàèìòù'],
  ['acute', 'AEIOUYaeiouy', 'ÁÉÍÓÚÝáéíóúý'],
  ['circ', 'AEIOUaeiou', 'ÂÊÎÔÛâêîôû'],
  ['tilde', 'ANOano', 'ÃÑÕãñõ'],
  ['uml', 'AEIOUaeiouy', 'ÄËÏÖÜäëïöüÿ'],
  ['ring', 'Aa', 'Åå'],
  ['cedil', 'Cc', 'Çç'],
  ['slash', 'Oo', 'Øø'],
];
for (const [accent, letters, accented] of ACCENTS)
  for (let i = 0; i < letters.length; i++) NAMED[`${letters[i]}${accent}`] = accented[i]!;
Object.assign(NAMED, { AElig: 'Æ', aelig: 'æ', ETH: 'Ð', eth: 'ð', THORN: 'Þ', thorn: 'þ' });

/** The longest reference read (`&thetasym;`, `&#x10FFFF;`): a bound, so a lone '&' costs little. */
const MAX_REFERENCE = 12;

/** The text of the character reference at `at` ('&'), and where it ends; undefined if none. */
function reference(s: string, at: number): { text: string; end: number } | undefined {
  let semi = at + 1;
  while (semi < s.length && semi - at <= MAX_REFERENCE && s.charCodeAt(semi) !== 59 /* ; */) semi++;
  if (s.charCodeAt(semi) !== 59 || semi - at > MAX_REFERENCE) return undefined;
  const body = s.slice(at + 1, semi);
  let code: number | undefined;
  if (/^#[0-9]{1,7}$/.test(body)) code = Number.parseInt(body.slice(1), 10);
  else if (/^#[xX][0-9a-fA-F]{1,6}$/.test(body)) code = Number.parseInt(body.slice(2), 16);
  else {
    const named = Object.hasOwn(NAMED, body) ? NAMED[body] : undefined;
    return named === undefined ? undefined : { text: named, end: semi + 1 };
  }
  // No NUL, surrogate halves or code points past Unicode: those are no characters.
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { text: code === 0xa0 ? ' ' : String.fromCodePoint(code), end: semi + 1 };
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57);

/**
 * Windows-1252's characters at 0x80-0x9F, where Unicode has its C1 controls; a space where it has
 * none. Text once written in Windows-1252 and read as Latin-1 holds these controls in place of
 * its dashes, quotes and trade marks ("performance\x97guaranteed", "TekColor\x99"); a browser
 * reads a numeric reference to one (`&#150;`) as this character too.
 */
const WINDOWS_1252 = '€ ‚ƒ„…†‡ˆ‰Š‹Œ Ž  ‘’“”•–—˜™š›œ žŸ';

/**
 * `text` without control characters: a C1 control as Windows-1252's character at its place, and
 * the other controls but line breaks and tabs as a space.
 */
function withoutControls(text: string): string {
  return text.replace(/[^\P{Cc}\t\n\r]/gu, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0x80 && code <= 0x9f ? WINDOWS_1252[code - 0x80]! : ' ';
  });
}

/**
 * `html` as the text a browser shows of it. `lines`: keep line breaks ("\n" between lines, none
 * empty) for a description; without it the lines are joined by spaces (a title, a value).
 * Spaces run together, each line trimmed. A tag left open at the end (a field cut short) is
 * dropped as a browser drops it, not shown half.
 */
export function plainText(html: string, { lines = false } = {}): string {
  const out: string[] = [];
  // Where the next '>' is: searched for again only once the scan passes it, so a field of many
  // '<' and no '>' is read once, not once per '<'.
  let close = -1;
  let i = 0;
  let text = 0; // start of the text not yet copied to `out`
  while (i < html.length) {
    const c = html.charCodeAt(i);
    if (c === 60 /* < */) {
      const next = html.charCodeAt(i + 1);
      const closing = next === 47; /* / */
      const opensTag = isLetter(closing ? html.charCodeAt(i + 2) : next) || next === 33 || next === 63; // ! ?
      if (!opensTag) {
        i++;
        continue;
      }
      if (close < i) close = html.indexOf('>', i);
      out.push(html.slice(text, i));
      if (close < 0) {
        // An unclosed tag runs to the end of the field.
        text = i = html.length;
        break;
      }
      let nameEnd = i + (closing ? 2 : 1);
      while (nameEnd < close && isNameChar(html.charCodeAt(nameEnd))) nameEnd++;
      const name = html.slice(i + (closing ? 2 : 1), nameEnd).toLowerCase();
      if (name === 'li' && !closing) out.push('\n• ');
      else if (BREAKS.has(name)) out.push('\n');
      else if (CELLS.has(name)) out.push(' ');
      text = i = close + 1;
    } else if (c === 38 /* & */) {
      const ref = reference(html, i);
      if (!ref) {
        i++;
        continue;
      }
      out.push(html.slice(text, i), ref.text);
      text = i = ref.end;
    } else i++;
  }
  out.push(html.slice(text));
  const kept = withoutControls(out.join(''))
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/\s+/g, ' ').trim())
    // A bullet with nothing after it (an empty <li>) is no line.
    .filter((line) => line !== '' && line !== '•');
  return kept.join(lines ? '\n' : ' ');
}
