import { describe, expect, it } from 'vitest';
import { minorUnits } from '../../src/ingest/webhooks/payload.js';
import { formatMoney } from '../../src/slack/blocks/text.js';

describe('money', () => {
  it("when a platform sends decimal amounts, then they become minor units by the currency's own decimals", () => {
    expect(minorUnits('199.90', 'USD')).toBe(19990);
    expect(minorUnits('398.00', 'EUR')).toBe(39800);
    expect(minorUnits('1000', 'JPY')).toBe(1000);
    expect(minorUnits('12.345', 'KWD')).toBe(12345);
    expect(minorUnits('1.999', 'USD')).toBeUndefined();
    expect(minorUnits('-5.00', 'USD')).toBeUndefined();
  });

  it('when minor units are shown, then each currency keeps its decimals', () => {
    expect(formatMoney(12999, 'USD')).toBe('USD 129.99');
    expect(formatMoney(1000, 'JPY')).toBe('JPY 1000');
    expect(formatMoney(12345, 'KWD')).toBe('KWD 12.345');
  });
});
