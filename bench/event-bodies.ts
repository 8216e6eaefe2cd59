/** A payment event as a producer sends it, now; `fields` replaces or adds to its parts. */
export function eventBody(id: string, cartId: string, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    id,
    cart_id: cartId,
    stage: 'payment',
    step: 'authorize',
    status: 'succeeded',
    occurred_at: new Date().toISOString(),
    source: 'stripe',
    amount: { value: 12999, currency: 'USD' },
    ...fields,
  });
}
