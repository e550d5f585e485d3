/**
 * Any upstream value (useapi's `error` / `errorDetails` may be strings or objects) as one string.
 * Never throws: circular or exotic values degrade to a placeholder. Returns '' for null/undefined/''.
 */
export function stringifyUpstream(value: unknown, max = 1000): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    if (typeof rec.message === 'string' && rec.message.trim()) {
      const code = typeof rec.code === 'number' || typeof rec.code === 'string' ? ` (${String(rec.code)})` : '';
      return `${rec.message.trim()}${code}`;
    }
    try {
      const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
      if (json === undefined || json === '{}' || json === '[]') return '';
      return json.length > max ? json.slice(0, max) : json;
    } catch {
      return '[unreadable value]';
    }
  }
  return '';
}
