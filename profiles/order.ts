/**
 * The one text order of the distribution: by UTF-16 code units, as `Array.prototype.sort` does with no
 * comparator. Never `localeCompare`, whose order follows the user's locale (in Czech "ch" sorts after
 * "h"), so the same profile would synthesize differently on another machine. ESLint forbids it.
 */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
