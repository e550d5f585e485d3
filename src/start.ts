/**
 * `npm start`: the bot for real when a Discord token is set (in the environment or .env), else the
 * playground, so a fresh clone shows what the bot does before anyone creates a Discord application.
 */
import 'dotenv/config';

if (process.env.DISCORD_TOKEN?.trim()) await import('./index');
else await import('./playground/main');
