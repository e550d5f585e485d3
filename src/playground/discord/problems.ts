/** A problem found in a body, in the words and the `errors` shape of Discord's 50035 answers. */
import { isObject, type JsonObject } from './types';

export type Path = Array<string | number>;

export interface Problem {
  path: Path;
  /** Discord-style error code, e.g. BASE_TYPE_MAX_LENGTH. */
  code: string;
  message: string;
}

/** `embeds[0].title: Must be 256 or fewer in length (got 300).` */
export function formatProblem(problem: Problem): string {
  return `${formatPath(problem.path) || '(body)'}: ${problem.message}`;
}

export function formatPath(path: Path): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** Discord's nested `errors` object of a 50035 answer: { embeds: { 0: { title: { _errors: [...] } } } }. */
export function toDiscordErrors(problems: Problem[]): JsonObject {
  const root: JsonObject = {};
  for (const problem of problems) {
    let node = root;
    for (const part of problem.path) {
      const key = String(part);
      node[key] = isObject(node[key]) ? node[key] : {};
      node = node[key] as JsonObject;
    }
    const list = Array.isArray(node._errors) ? (node._errors as unknown[]) : (node._errors = []);
    list.push({ code: problem.code, message: problem.message });
  }
  return root;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  maximum?: unknown;
  minimum?: unknown;
  values?: unknown[];
  format?: string;
  keys?: string[];
  errors?: Issue[][];
}

export function issuesToProblems(issues: readonly Issue[], input: unknown, base: Path = []): Problem[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
    if (issue.code === 'invalid_union' && issue.errors && issue.errors.length > 0) {
      // Report the branch that got furthest: the one whose `type` discriminator matched, if any.
      const branches = issue.errors.filter((branch) => !branch.some((i) => i.path.length === 1 && i.path[0] === 'type'));
      const best = (branches.length > 0 ? branches : issue.errors).reduce((a, b) => (b.length < a.length ? b : a));
      if (branches.length === 1 && best.length > 0) return issuesToProblems(best, input, path);
      return [{ path, code: 'UNION_TYPE_CHOICES', message: `Matches none of the allowed shapes (${describeType(valueAt(input, path))}).` }];
    }
    return [{ path, code: discordCode(issue), message: describeIssue(issue, valueAt(input, path)) }];
  });
}

function describeIssue(issue: Issue, value: unknown): string {
  const got = describeType(value);
  switch (issue.code) {
    case 'too_big':
      return typeof value === 'string' || Array.isArray(value)
        ? `Must be ${String(issue.maximum)} or fewer in length (got ${value.length}).`
        : `Must be at most ${String(issue.maximum)} (got ${got}).`;
    case 'too_small':
      return typeof value === 'string' || Array.isArray(value)
        ? `Must be ${String(issue.minimum)} or more in length (got ${value.length}).`
        : `Must be at least ${String(issue.minimum)} (got ${got}).`;
    case 'invalid_type':
      return value === undefined ? 'This field is required.' : `Expected ${String(issue.expected)}, got ${got}.`;
    case 'invalid_value':
      return `Must be one of ${JSON.stringify(issue.values)} (got ${got}).`;
    case 'invalid_format':
      return `Not a valid ${issue.format ?? 'value'} (got ${got}).`;
    case 'unrecognized_keys':
      return `Unknown keys ${JSON.stringify(issue.keys)}.`;
    default:
      return `${issue.message} (got ${got}).`;
  }
}

function discordCode(issue: Issue): string {
  switch (issue.code) {
    case 'too_big':
      return 'BASE_TYPE_MAX_LENGTH';
    case 'too_small':
      return 'BASE_TYPE_MIN_LENGTH';
    case 'invalid_type':
      return issue.expected === 'string' ? 'BASE_TYPE_STRING' : issue.expected === 'number' ? 'NUMBER_TYPE_COERCE' : 'BASE_TYPE_REQUIRED';
    case 'invalid_value':
      return 'BASE_TYPE_CHOICES';
    case 'invalid_format':
      return 'BASE_TYPE_BAD_FORMAT';
    default:
      return 'BASE_TYPE_INVALID';
  }
}

function describeType(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} chars` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return typeof value; // undefined, function, symbol
}

function valueAt(input: unknown, path: Path): unknown {
  let node = input;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

export function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    // The schema and the limit checks can both report the same over-long field: keep the first.
    const key = `${formatPath(p.path)}|${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
