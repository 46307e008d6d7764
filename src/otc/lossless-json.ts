/**
 * A small, strict JSON parser (RFC 8259) that can keep chosen numbers as their exact source text.
 *
 * Why: VPCEP `marker_id` values beyond 2^53 exist (docs example `422321321312321321`), and Node 20's
 * `JSON.parse` has no access to a number's source text (the reviver `context.source` arrived in Node 21+),
 * so `JSON.parse` would silently round them. Numbers under a key listed in `stringKeys` come back as the
 * literal digits (a string); every other number is a normal JS number, exactly as `JSON.parse` gives it.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface LosslessParseOptions {
  /** Object keys whose numeric values are returned as their exact source text (e.g. `marker_id`). */
  stringKeys?: ReadonlySet<string> | readonly string[];
}

export class JsonSyntaxError extends SyntaxError {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly stringKeys: ReadonlySet<string>,
  ) {}

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue(undefined);
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('Unexpected trailing content');
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  private skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  private parseValue(key: string | undefined): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      case undefined:
        return this.fail('Unexpected end of JSON input');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.parseNumber(key);
        return this.fail(`Unexpected character ${JSON.stringify(c)}`);
    }
  }

  private parseLiteral<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Expected ${word}`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(key: string | undefined): number | string {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) this.fail('Invalid number');
    this.pos += m[0].length;
    return key !== undefined && this.stringKeys.has(key) ? m[0] : Number(m[0]);
  }

  private parseString(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let chunkStart = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        out += t.slice(chunkStart, this.pos);
        const e = t[this.pos + 1];
        if (e === 'u') {
          const hex = t.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('Invalid unicode escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
        } else {
          const mapped = e === undefined ? undefined : ESCAPES[e];
          if (mapped === undefined) this.fail('Invalid escape');
          out += mapped;
          this.pos += 2;
        }
        chunkStart = this.pos;
        continue;
      }
      if (c < 0x20) this.fail('Control character in string');
      this.pos++;
    }
    return this.fail('Unterminated string');
  }

  private parseArray(): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.parseValue(undefined));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('Expected , or ] in array');
      }
    }
  }

  private parseObject(): { [key: string]: JsonValue } {
    this.pos++;
    const out: { [key: string]: JsonValue } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('Expected string key');
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail('Expected : after key');
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue(key);
      // defineProperty so a "__proto__" key stays an own property (as with JSON.parse) instead of a prototype.
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('Expected , or } in object');
      }
    }
  }
}

/** Parses JSON text; numbers under `stringKeys` are returned as their exact source digits. */
export function parseJsonLossless(text: string, options: LosslessParseOptions = {}): JsonValue {
  const keys = options.stringKeys instanceof Set ? options.stringKeys : new Set(options.stringKeys ?? []);
  return new Parser(text, keys).parseDocument();
}
