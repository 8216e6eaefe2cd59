import type { WebClient } from '@slack/web-api';
import type { CartwatchConfig } from '../config.js';
import { classifySlackError } from '../slack/slack-errors.js';
import { type Check, fail, pass } from './check.js';

/** Where in cartwatch.yml an id comes from, so a fix can name the line to change. */
interface Named {
  id: string;
  paths: string[];
}

/** Each channel the config posts to: the teams' and the escalation channel. */
export async function checkChannels(
  client: WebClient,
  config: CartwatchConfig,
  options: { bot: string; scopes: string[] | undefined },
): Promise<Check[]> {
  const channels = collect([
    ...Object.entries(config.teams).map(([team, t]) => ({ id: t.channel, path: `teams.${team}.channel` })),
    ...(config.escalation.channel ? [{ id: config.escalation.channel, path: 'escalation.channel' }] : []),
  ]);
  const checks: Check[] = [];
  for (const channel of channels) {
    const check = await checkChannel(client, channel, options);
    checks.push(check);
    // One missing scope or a refused token fails every channel alike: said once is enough.
    if (!check.ok && check.problem.includes('missing_scope')) break;
  }
  return checks;
}

async function checkChannel(
  client: WebClient,
  channel: Named,
  options: { bot: string; scopes: string[] | undefined },
): Promise<Check> {
  const subject = `channel ${channel.id} (${channel.paths.join(', ')})`;
  let info: NonNullable<Awaited<ReturnType<WebClient['conversations']['info']>>['channel']>;
  try {
    info = (await client.conversations.info({ channel: channel.id })).channel ?? {};
  } catch (error) {
    const reason = classifySlackError(error).reason;
    if (reason === 'channel_not_found')
      return fail(
        subject,
        'not found, or private without the bot in it',
        `check the id in cartwatch.yml (channel details → About, at the bottom); if it is a private channel, invite the bot there: /invite ${options.bot}`,
      );
    if (reason === 'missing_scope')
      return fail(
        subject,
        'cannot be checked: the token lacks channels:read and groups:read (missing_scope)',
        'add channels:read and groups:read under OAuth & Permissions → Bot Token Scopes, then reinstall the app',
      );
    return fail(
      subject,
      `cannot be checked (${reason})`,
      'run cartwatch doctor again; if it persists, see Slack’s status page',
    );
  }
  const name = `#${info.name ?? channel.id}`;
  if (info.is_archived)
    return fail(
      subject,
      `${name} is archived`,
      `unarchive ${name} in Slack, or point ${channel.paths[0]} at a live channel in cartwatch.yml`,
    );
  if (info.is_private && !info.is_member)
    return fail(
      subject,
      `${name} is private and ${options.bot} is not in it`,
      `invite ${options.bot} to ${name}: /invite ${options.bot}`,
    );
  if (!info.is_member && options.scopes !== undefined && !options.scopes.includes('chat:write.public'))
    return fail(
      subject,
      `${options.bot} is not in ${name} and may not post to public channels it has not joined`,
      `invite ${options.bot} to ${name} (/invite ${options.bot}), or add the chat:write.public scope and reinstall`,
    );
  const how = info.is_member ? 'the bot is in it' : 'public; the bot posts without joining';
  return pass(subject, `${name}, ${how}`);
}

/** Each user group named as a team's `mention` or among its `members`. */
export async function checkUserGroups(client: WebClient, config: CartwatchConfig): Promise<Check[]> {
  const groups = collect(
    Object.entries(config.teams).flatMap(([team, t]) => [
      ...(t.mention?.startsWith('S') ? [{ id: t.mention, path: `teams.${team}.mention` }] : []),
      ...(t.members ?? [])
        .filter((id) => id.startsWith('S'))
        .map((id) => ({ id, path: `teams.${team}.members` })),
    ]),
  );
  const checks: Check[] = [];
  for (const group of groups) {
    const subject = `user group ${group.id} (${group.paths.join(', ')})`;
    try {
      const reply = await client.usergroups.users.list({ usergroup: group.id });
      checks.push(pass(subject, `readable, ${reply.users?.length ?? 0} people`));
    } catch (error) {
      const reason = classifySlackError(error).reason;
      checks.push(
        fail(
          subject,
          `cannot be read (${reason}); ${consequence(group)}`,
          reason === 'missing_scope'
            ? 'add usergroups:read under OAuth & Permissions → Bot Token Scopes, then reinstall the app'
            : 'check the id in cartwatch.yml (the group’s page in Slack → ⋯ → Copy group ID)',
        ),
      );
    }
  }
  return checks;
}

function consequence(group: Named): string {
  return group.paths.some((p) => p.endsWith('.members'))
    ? 'its people are refused every action their team allows its members'
    : 'escalations mention it, and whether it exists cannot be told';
}

function collect(entries: { id: string; path: string }[]): Named[] {
  const byId = new Map<string, Named>();
  for (const { id, path } of entries) {
    const known = byId.get(id);
    if (known) known.paths.push(path);
    else byId.set(id, { id, paths: [path] });
  }
  return [...byId.values()];
}
