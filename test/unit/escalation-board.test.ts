import { describe, expect, it } from 'vitest';
import { buildBoard } from '../../src/domain/escalation-board.js';
import type { ExceptionRecord } from '../../src/domain/exception.js';
import { renderEscalationBoard } from '../../src/slack/blocks/escalation-board.js';

const MINUTE = 60_000;
const NOW = 1_800_000_000_000;
let nextId = 1;

function exception(overrides: Partial<ExceptionRecord> = {}): ExceptionRecord {
  const id = nextId++;
  return {
    id,
    kind: 'failed',
    dedupKey: `k${id}`,
    cartId: `cart_${id}`,
    stage: 'payment',
    step: 'authorize',
    errorCode: 'processing_error',
    amount: { value: 1000, currency: 'USD' },
    team: 'payments',
    channel: 'C0PAYMENTS',
    reason: 'stage is payment',
    state: 'open',
    firstSeenAt: NOW - 40 * MINUTE,
    lastSeenAt: NOW - 40 * MINUTE,
    raisedAt: NOW - 40 * MINUTE,
    count: 1,
    revision: 0,
    escalationLevel: 2,
    slackTs: `1700000000.${String(id).padStart(6, '0')}`,
    ...overrides,
  };
}

const board = { team: 'payments', channel: 'C0MANAGERS' };
const noLinks = () => undefined;

describe('escalation board', () => {
  it('when exceptions and a storm wait past the limit, then each is one line, oldest first, and each cart counts once in the value at risk', () => {
    const older = exception({
      raisedAt: NOW - 50 * MINUTE,
      cartId: 'cart_a',
      amount: { value: 5000, currency: 'USD' },
    });
    const sameCart = exception({
      step: 'capture',
      cartId: 'cart_a',
      amount: { value: 5000, currency: 'USD' },
    });
    const storm = [1, 2, 3].map((i) =>
      exception({ groupId: 7, escalationLevel: i === 1 ? 2 : 0, raisedAt: NOW - (45 - i) * MINUTE }),
    );
    const built = buildBoard(
      board,
      [sameCart, ...storm, older],
      new Map([[7, { channel: 'C0PAYMENTS', slackTs: '9.1' }]]),
    );
    expect(built.lines.map((l) => [l.storm, l.carts, l.since])).toEqual([
      [false, 1, NOW - 50 * MINUTE],
      [true, 3, NOW - 44 * MINUTE],
      [false, 1, NOW - 40 * MINUTE],
    ]);
    expect(built.lines[1]).toMatchObject({ slackTs: '9.1', value: [{ value: 3000, currency: 'USD' }] });
    expect(built.lines[1]?.cartId).toBeUndefined();
    expect(built.exceptions).toBe(5);
    expect(built.valueAtRisk).toEqual([{ value: 8000, currency: 'USD' }]);
  });

  it('when an exception is acknowledged, or has not reached the limit, or a storm has no member past it, then it is not listed', () => {
    const built = buildBoard(
      board,
      [
        exception({ state: 'acknowledged' }),
        exception({ escalationLevel: 1 }),
        exception({ groupId: 3, escalationLevel: 1 }),
        exception({ team: 'ops' }),
      ],
      new Map(),
    );
    expect(built.lines).toEqual([]);
    const message = renderEscalationBoard(built, { now: NOW, permalinkOf: noLinks });
    expect(message.text).toBe('payments team: all caught up');
    expect(message.blocks[0]).toMatchObject({ text: { text: '✅ All caught up: payments team' } });
  });

  it('when a line has a link, then it is linked; without one, it names the channel; event text is escaped', () => {
    const linked = exception({ cartId: '<!channel> cart' });
    const unposted = exception({ slackTs: undefined, raisedAt: NOW - 35 * MINUTE });
    const built = buildBoard(board, [linked, unposted], new Map());
    const message = renderEscalationBoard(built, {
      now: NOW,
      permalinkOf: (line) => (line.slackTs ? `https://slack.test/p${line.slackTs}` : undefined),
    });
    const text = JSON.stringify(message.blocks);
    expect(text).toContain(
      `<https://slack.test/p${linked.slackTs}|Failed payment.authorize processing_error>`,
    );
    expect(text).toContain('Failed payment.authorize processing_error in <#C0PAYMENTS>');
    expect(text).toContain('cart `&lt;!channel&gt; cart`');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain(`<!date^${Math.floor((NOW - 40 * MINUTE) / 1000)}^{ago}|40m ago>`);
    expect(message.text).toBe('payments team: 2 unacknowledged past the limit, USD 20.00 at risk');
  });

  it('when hundreds wait with long ids, then the message stays within Block Kit limits and counts what it leaves out', () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      exception({
        cartId: `cart_${'x'.repeat(150)}_${i}`,
        errorCode: 'e'.repeat(90),
        raisedAt: NOW - (400 - i) * MINUTE,
      }),
    );
    const message = renderEscalationBoard(buildBoard(board, many, new Map()), {
      now: NOW,
      permalinkOf: (line) => `https://slack.test/archives/${line.channel}/p${'1'.repeat(40)}`,
    });
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      const section = block as { type: string; text?: { text: string } };
      if (section.type === 'section') expect(section.text?.text.length).toBeLessThanOrEqual(3000);
    }
    expect(JSON.stringify(message.blocks).length).toBeLessThan(12_000);
    const shown = JSON.stringify(message.blocks).match(/• /g)?.length ?? 0;
    expect(shown).toBeGreaterThan(5);
    expect(JSON.stringify(message.blocks)).toContain(`…and ${300 - shown} more`);
  });
});
