import type { CartTimeline } from '../../services/timeline.js';
import { safe, slackDate } from './text.js';

const SHOWN = 20;

/** A cart's timeline as one private message: the latest steps, oldest first, late ones marked. */
export function renderTimelineText(id: string, timeline: CartTimeline | null): string {
  if (timeline === null) return `Nothing is known about \`${safe(id, 200)}\` yet.`;
  const entries = timeline.entries.slice(-SHOWN);
  const hidden = timeline.entries.length - entries.length;
  const lines = entries.map(({ event, late }) => {
    const mark = event.status === 'failed' ? '❌' : event.status === 'succeeded' ? '✅' : '▶️';
    const error = event.error?.code ? ` \`${safe(event.error.code, 100)}\`` : '';
    return `${mark} ${slackDate(event.occurredAt)} ${safe(`${event.stage}.${event.step}`, 120)} ${event.status}${error}${late ? ' _(late)_' : ''}`;
  });
  const head = `*Cart \`${safe(timeline.cartId ?? id, 200)}\`*${hidden > 0 ? ` (latest ${SHOWN} of ${timeline.entries.length} events)` : ''}`;
  return [head, ...lines].join('\n');
}
