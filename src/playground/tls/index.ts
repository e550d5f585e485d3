/**
 * TEST ONLY: a certificate authority and a localhost certificate, so that the emulators' media can
 * be served over https on 127.0.0.1 as the real CDNs serve them. The CA's private key was thrown
 * away after signing, and the CA is name-constrained to localhost and 127.0.0.0/8, so trusting it
 * vouches for nothing else. Only tests and the playground trust it (NODE_EXTRA_CA_CERTS); the bot
 * started with a Discord token never does.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEST_CA_PATH = fileURLToPath(new URL('./test-only-ca.crt', import.meta.url));

export function testServerCertificate(): { cert: Buffer; key: Buffer } {
  return {
    cert: readFileSync(new URL('./test-only-localhost.crt', import.meta.url)),
    key: readFileSync(new URL('./test-only-localhost.key', import.meta.url)),
  };
}
