/**
 * When a correlation key is linked to a cart, the live exceptions raised while only the key was
 * known move to the cart. A failure's dedup key names its subject ("failed:<subject>:…", see
 * detection.ts), so the key's part becomes the cart's; any other dedup key stays as it was.
 */
export function rekeyedDedupKey(dedupKey: string, key: string, cartId: string): string {
  const prefix = `failed:${key}:`;
  if (!dedupKey.startsWith(prefix)) return dedupKey;
  return `failed:${cartId}:${dedupKey.slice(prefix.length)}`;
}
