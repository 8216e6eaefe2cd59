import type { App } from '@slack/bolt';
import type { HomePublisher } from '../../home-publisher.js';

/** Opening the Home tab draws it afresh. */
export function registerAppHomeOpened(app: App, home: HomePublisher): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await home.refresh(event.user);
  });
}
