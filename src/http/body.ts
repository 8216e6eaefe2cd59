import type { IncomingMessage } from 'node:http';
import { CartwatchError } from '../errors.js';

export class BodyTooLargeError extends CartwatchError {
  constructor(readonly limit: number) {
    super('BODY_TOO_LARGE', `The body is larger than ${limit} bytes; send smaller batches.`);
  }
}

/** Reads the whole body, refusing (without buffering the rest) as soon as it passes `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}
