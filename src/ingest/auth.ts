import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Equal-length digests first, so the comparison takes the same time whatever the inputs. */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}

export type IngestCredentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'signature'; hex: string }
  | { kind: 'none' };

/** What the request offers as proof; the body is needed only to check a signature. */
export function credentialsOf(headers: IncomingHttpHeaders): IngestCredentials {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    return match?.[1] ? { kind: 'bearer', token: match[1] } : { kind: 'none' };
  }
  const signature = headers['x-cartwatch-signature'];
  if (typeof signature === 'string') {
    const match = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
    return match?.[1] ? { kind: 'signature', hex: match[1].toLowerCase() } : { kind: 'none' };
  }
  return { kind: 'none' };
}

export function bearerMatches(token: string, secret: string): boolean {
  return constantTimeEqual(token, secret);
}

export function signatureMatches(hex: string, body: Buffer, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest('hex');
  return constantTimeEqual(hex, expected);
}
