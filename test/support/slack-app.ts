import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { FakeSlack } from './fake-slack.js';
import { SIGNING_SECRET } from './slack-requests.js';

export interface SlackTestApp extends TestApp {
  slack: FakeSlack;
}

/** The real app in HTTP mode, its Web API client pointed at a fake Slack that records every call. */
export async function startSlackTestApp(
  options: TestAppOptions & { slack?: FakeSlack } = {},
): Promise<SlackTestApp> {
  const slack = options.slack ?? (await new FakeSlack().start());
  const app = await startTestApp({
    ...options,
    env: {
      slackBotToken: 'xoxb-test-token',
      slackSigningSecret: SIGNING_SECRET,
      slackApiUrl: slack.url,
      ...options.env,
    },
  });
  return {
    ...app,
    slack,
    async stop() {
      await app.stop();
      if (!options.slack) await slack.stop();
    },
  };
}
