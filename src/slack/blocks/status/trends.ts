import type { TrendFacts } from '../../../domain/trends.js';
import type { SlackMessage } from '../exception-message.js';
import { plain, safe } from '../text.js';
import { periodWords, trendSections } from '../trend-lines.js';

/** /cart-status trends: failure rates, times through stages and their trend, for the caller only. */
export function renderTrends(facts: TrendFacts): SlackMessage {
  const { stage, step } = facts.scope;
  const scope = stage === undefined ? '' : ` · ${step === undefined ? stage : `${stage}.${step}`}`;
  const days = facts.days.length;
  const title = `Trends · last ${days === 1 ? 'day' : `${days} days`}${scope}`;
  const worse = facts.steps.filter((s) => s.trend === 'worse').length;
  return {
    text: `${safe(title, 200)}: ${facts.steps.length} steps, ${worse} worse`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: plain(title, 150) } },
      ...trendSections(facts),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${periodWords(facts)}, today so far included. Failure rate: failed of succeeded + failed. A trend is a change of a fifth or more that the numbers make clear; days from left to right, \`·\` without attempts.`,
          },
        ],
      },
    ],
  };
}
