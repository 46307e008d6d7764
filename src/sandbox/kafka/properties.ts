/** Writing Java `.properties` files and JAAS strings safely. */

function escapeUnicode(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code > 0x7e) {
      for (const unit of Buffer.from(ch, 'utf16le').toString('hex').match(/.{4}/g) ?? []) {
        // utf16le hex pairs are little-endian: swap to \uXXXX
        out += `\\u${unit.slice(2, 4)}${unit.slice(0, 2)}`;
      }
    } else {
      out += ch;
    }
  }
  return out;
}

function escapeValue(value: string): string {
  let out = value.replace(/\\/g, '\\\\');
  if (out.startsWith(' ')) out = `\\${out}`;
  return escapeUnicode(out.replace(/\n/g, '\\n').replace(/\r/g, '\\r'));
}

function escapeKey(key: string): string {
  return escapeUnicode(key.replace(/\\/g, '\\\\').replace(/([=: #!])/g, '\\$1'));
}

export function formatProperties(props: Record<string, string | number | boolean>): string {
  return `${Object.entries(props)
    .map(([k, v]) => `${escapeKey(k)}=${escapeValue(String(v))}`)
    .join('\n')}\n`;
}

/** A JAAS quoted string: backslash and double quote escaped. */
export function jaasQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
