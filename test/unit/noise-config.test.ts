import { describe, expect, it } from 'vitest';
import { checkConfigText, DEFAULT_CONFIG } from '../../src/config.js';
import { CUSTOMER_CAUSED_PAYMENT_CODES, matches, suppressedBy } from '../../src/domain/noise.js';

const MINIMAL =
  'teams:\n  ops: { channel: C0OPS }\n  payments: { channel: C0PAY }\nroutes:\n  - { team: ops }\n';

function check(yaml: string) {
  return checkConfigText(MINIMAL + yaml);
}

describe('noise and maintenance in cartwatch.yml', () => {
  it('when the file has no noise key, then customer-caused payment failures are suppressed and the payment stage has a rate rule', () => {
    const result = check('');
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const { suppress, rates } = result.config.noise;
    expect(suppress).toHaveLength(1);
    expect(suppress[0]?.reason).toBe('customer-caused');
    for (const code of ['card_declined', 'insufficient_funds', 'expired_card', 'incorrect_cvc', 'fraudulent'])
      expect(suppressedBy(suppress, { stage: 'payment', step: 'authorize', errorCode: code })).toBeDefined();
    // Operational failures are never held back by default.
    for (const code of ['processing_error', 'api_error', 'rate_limit', 'authentication_error', 'timeout'])
      expect(
        suppressedBy(suppress, { stage: 'payment', step: 'authorize', errorCode: code }),
      ).toBeUndefined();
    expect(rates).toEqual([
      {
        name: 'payment',
        match: { stage: ['payment'] },
        windowMs: 900_000,
        minAttempts: 40,
        above: 0.2,
        baseline: 2,
      },
    ]);
    expect(DEFAULT_CONFIG.noise.suppress[0]?.match.error_code).toEqual([...CUSTOMER_CAUSED_PAYMENT_CODES]);
  });

  it('when noise is given, then exactly its rules apply, scalars made lists and shares and factors read', () => {
    const result = check(`noise:
  suppress:
    - { match: { stage: payment, error_code: card_declined }, reason: customer }
  rates:
    - { match: { stage: payment, step: authorize }, window: 15m, min_attempts: 40, above: 20%, baseline: 2x }
    - { name: wms, match: { source: wms }, window: 5m, min_attempts: 10, above: 12.5% }
`);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.noise).toEqual({
      suppress: [{ match: { stage: ['payment'], error_code: ['card_declined'] }, reason: 'customer' }],
      rates: [
        {
          name: 'payment.authorize',
          match: { stage: ['payment'], step: ['authorize'] },
          windowMs: 900_000,
          minAttempts: 40,
          above: 0.2,
          baseline: 2,
        },
        { name: 'wms', match: { source: ['wms'] }, windowMs: 300_000, minAttempts: 10, above: 0.125 },
      ],
    });
    expect(check('noise: {}\n')).toMatchObject({ ok: true, config: { noise: { suppress: [], rates: [] } } });
  });

  it('when maintenance windows are given, then weekly and one-off windows are normalised', () => {
    const result = check(`timezone: Europe/Berlin
maintenance:
  - { name: WMS upgrade, match: { stage: fulfillment }, every: "Sun 02:00", for: 2h }
  - { name: PSP migration, match: { source: adyen, team: payments }, from: "2026-12-10T22:00:00Z", until: "2026-12-11T02:00:00Z" }
`);
    if (!result.ok) throw new Error(result.problems.join('\n'));
    expect(result.config.maintenance).toEqual([
      {
        name: 'WMS upgrade',
        match: { stage: ['fulfillment'] },
        kind: 'weekly',
        weekday: 0,
        time: '02:00',
        forMs: 7_200_000,
        timezone: 'Europe/Berlin',
      },
      {
        name: 'PSP migration',
        match: { source: ['adyen'], team: ['payments'] },
        kind: 'once',
        fromAt: Date.parse('2026-12-10T22:00:00Z'),
        untilAt: Date.parse('2026-12-11T02:00:00Z'),
      },
    ]);
  });

  it('when noise and maintenance are wrong, then every problem is reported with its path', () => {
    const result = check(`noise:
  suppress:
    - { match: {}, reason: x }
  rates:
    - { match: { stage: payment }, window: soon, min_attempts: 0, above: 120%, baseline: 0.5x }
maintenance:
  - { name: a, match: { team: nope }, every: "Someday 02:00", for: 8d }
  - { name: b, match: { stage: payment }, from: "2026-12-11T02:00:00Z", until: "2026-12-10T22:00:00Z" }
  - { name: c, match: { stage: payment }, every: "Sun 02:00" }
`);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^noise\.suppress\[0\]\.match: give at least one of/),
        expect.stringMatching(/^noise\.rates\[0\]\.window: /),
        expect.stringMatching(/^noise\.rates\[0\]\.min_attempts: /),
        expect.stringMatching(/^noise\.rates\[0\]\.above: "120%" is not a share/),
        expect.stringMatching(/^noise\.rates\[0\]\.baseline: "0\.5x" is not a factor/),
        expect.stringMatching(/^maintenance\[0\]\.every: must be a weekday and time/),
        'maintenance[0].match.team: unknown team "nope"',
        expect.stringMatching(/^maintenance\[1\]\.until: must be later than from/),
        expect.stringMatching(/^maintenance\[2\]: a weekly window needs both every and for/),
      ]),
    );
  });

  it('when a match names several fields, then all must hold', () => {
    const match = { stage: ['payment' as const], error_code: ['card_declined'] };
    expect(matches(match, { stage: 'payment', step: 'authorize', errorCode: 'card_declined' })).toBe(true);
    expect(matches(match, { stage: 'payment', step: 'authorize' })).toBe(false);
    expect(matches(match, { stage: 'order', step: 'create', errorCode: 'card_declined' })).toBe(false);
  });
});
