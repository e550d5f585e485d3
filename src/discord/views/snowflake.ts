/** A Discord id as it may appear in a mention or a link: digits only, at most 20. */
export const SNOWFLAKE = /^\d{1,20}$/;

export function isSnowflake(id: unknown): id is string {
  return typeof id === 'string' && SNOWFLAKE.test(id);
}
