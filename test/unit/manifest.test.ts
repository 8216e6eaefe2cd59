import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BOT_SCOPES } from '../../src/slack/scopes.js';

const manifest = (file: string) => parse(readFileSync(file, 'utf8'));

describe('Slack app manifests', () => {
  it('when either manifest is pasted, then the app asks for exactly the bot scopes cartwatch doctor checks for', () => {
    for (const file of ['manifest.yml', 'manifest.socket-mode.yml'])
      expect([...manifest(file).oauth_config.scopes.bot].sort(), file).toEqual(
        Object.keys(BOT_SCOPES).sort(),
      );
  });

  it('when the Socket Mode manifest is used, then it is the same app with Socket Mode on and no request URL', () => {
    const http = manifest('manifest.yml');
    const socket = manifest('manifest.socket-mode.yml');
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(http.settings.socket_mode_enabled).toBe(false);
    expect(JSON.stringify(socket)).not.toContain('YOUR-HOST');
    const withoutUrls = (m: any) =>
      JSON.parse(
        JSON.stringify(m, (key, value) => (key === 'url' || key === 'request_url' ? undefined : value)),
      );
    expect({ ...withoutUrls(socket), settings: undefined }).toEqual({
      ...withoutUrls(http),
      settings: undefined,
    });
    expect(socket.settings.event_subscriptions.bot_events).toEqual(
      http.settings.event_subscriptions.bot_events,
    );
    expect(socket.settings.interactivity.is_enabled).toBe(true);
  });
});
