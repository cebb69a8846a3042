// Java regular expressions, as the settings that take one expect (topics.regex,
// RegexRouter's regex, TopicNameMatches' pattern): compiled to JavaScript RegExps. The
// common syntax is the same; leading inline flags `(?i)`, `(?s)`, `(?m)` become flags, and
// `\A`, `\z`, `\Z` become anchors. Java-only constructs JavaScript refuses (possessive
// quantifiers, atomic groups) fail at validation, so a connector is never stored with a
// pattern that cannot run. Matching is Java's `matches()`: the whole input.

export interface JavaPattern {
  /** Java's Matcher.matches(): the whole string. */
  matches(input: string): boolean;
  /** Java's Matcher.replaceFirst on a whole-string match ($1, ${name}, \$ as Java reads them). */
  replaceMatch(input: string, replacement: string): string;
  readonly source: string;
}

/** The pattern compiled, or an Error saying why it is not a valid (supported) regex. */
export function compileJavaRegex(pattern: string): JavaPattern {
  let body = pattern;
  let flags = '';
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    flags = [...new Set(inline[1]!.split(''))].join('');
    body = body.slice(inline[0].length);
  }
  body = body.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  if (/(\*|\+|\?|\})\+/.test(body.replace(/\\./g, ''))) throw new Error(`possessive quantifiers are not supported in '${pattern}'`);
  if (/\(\?>/.test(body)) throw new Error(`atomic groups are not supported in '${pattern}'`);
  const whole = new RegExp(`^(?:${body})$`, flags);
  return {
    source: pattern,
    matches: (input) => whole.test(input),
    replaceMatch: (input, replacement) => input.replace(whole, javaReplacement(replacement)),
  };
}

/** Java's replacement syntax ($1, ${name}, \x for a literal x) in JavaScript's ($1, $<name>, $$). */
function javaReplacement(replacement: string): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\' && i + 1 < replacement.length) {
      const next = replacement[++i]!;
      out += next === '$' ? '$$' : next;
    } else if (c === '$' && replacement[i + 1] === '{') {
      const end = replacement.indexOf('}', i);
      out += `$<${replacement.slice(i + 2, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}
