import type { OutboxKind } from './outbox-jobs.js';

/**
 * Where a sent row's ts is kept: a post's on its exception, storm or board; an update's too, when its
 * message was gone and it was posted afresh. Other kinds make no message anything points to.
 */
export function tsTargetOf(kind: OutboxKind): 'exception' | 'group' | 'board' | undefined {
  if (kind === 'post' || kind === 'update') return 'exception';
  if (kind === 'group_post' || kind === 'group_update') return 'group';
  if (kind === 'board_post' || kind === 'board_update') return 'board';
  return undefined;
}
