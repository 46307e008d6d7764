/**
 * `--input FILE`: a whole request as one JSON or YAML document (JSON is YAML, so one parser reads both;
 * `-` reads stdin). Used by `provision` (and by any command that takes the same request, e.g. a `plan`).
 *
 * The reader only checks the document's shape — a readable file holding one mapping — and names the file,
 * line and column of a syntax error; the request's fields are validated by the command's own schema
 * (workflows/input.ts), so a file and flags obey the same rules.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { CrossVpcError } from '../client/errors.js';

export interface InputDocument {
  /** The path as given (`-` for stdin). */
  path: string;
  value: Record<string, unknown>;
}

/** How a `--input` path is named in messages (`stdin` for `-`). */
export function inputName(path: string): string {
  return path === '-' ? 'stdin' : path;
}

function invalid(path: string, message: string, hint: string): CrossVpcError {
  return new CrossVpcError('InvalidInput', `--input ${inputName(path)}: ${message}`, { field: '--input', apiCode: 'ERR_INPUT_FILE', hint });
}

/** Reads and parses `path` (or stdin for `-`); throws an InvalidInput CrossVpcError naming `--input`. */
export function readInputFile(path: string, readStdin: () => string = () => readFileSync(0, 'utf8')): InputDocument {
  if (path.trim() === '') throw invalid(path, 'the file name is empty', 'give the path of a JSON or YAML file (or - for stdin)');
  let text: string;
  try {
    text = path === '-' ? readStdin() : readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw invalid(path, `cannot read it (${why})`, 'give the path of a readable JSON or YAML file (or - for stdin)');
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    // prettyErrors: "<what> at line L, column C:" then an excerpt of the source.
    const what = (first.message.split('\n')[0] ?? first.code).replace(/:$/, '');
    throw invalid(path, what, 'fix the JSON / YAML syntax at that place');
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw invalid(path, 'the document is empty', 'write the request as one mapping, e.g. instanceId: …');
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(path, `expected one mapping of request fields, got ${Array.isArray(value) ? 'a list' : typeof value}`, 'write the request as one mapping, e.g. instanceId: …');
  }
  return { path, value: value as Record<string, unknown> };
}
