import { type Check, fail, pass } from './check.js';

export interface UrlCheckOptions {
  /** HTTP mode: Slack's requests arrive at URL/slack/events, which must reach Cartwatch too. */
  slackEndpoint: boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * The public URL the manifest points Slack at (`--url`): that it answers as Cartwatch at /healthz,
 * and in HTTP mode that /slack/events reaches Cartwatch's verified Slack endpoint (an unsigned
 * request is refused with 401 there; anything else means a proxy routes it elsewhere).
 */
export async function checkPublicUrl(given: string, options: UrlCheckOptions): Promise<Check[]> {
  const base = baseOf(given);
  if (base === undefined)
    return [
      fail(
        `--url ${given}`,
        'not an http(s) URL',
        'give the public address Slack reaches, e.g. --url https://cartwatch.example.com',
      ),
    ];
  const get = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const unreachable = (what: string, reason: string) =>
    fail(
      what,
      `does not answer (${reason})`,
      `check that Cartwatch is running and that DNS, TLS, the firewall and any proxy forward ${base} to Cartwatch's PORT`,
    );
  const checks: Check[] = [];
  const health = `${base}/healthz`;
  try {
    const res = await get(health, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => undefined)) as { status?: string } | undefined;
    checks.push(
      res.ok && body?.status === 'ok'
        ? pass(health, 'answers as Cartwatch (status ok)')
        : fail(
            health,
            `answers ${res.status}${body?.status ? ` (status ${body.status})` : ''}, not as a healthy Cartwatch`,
            res.status === 503
              ? 'Cartwatch runs but its database fails: see GET /healthz and the log'
              : `point the proxy for ${base} at Cartwatch's PORT`,
          ),
    );
  } catch (error) {
    return [unreachable(health, reasonOf(error))];
  }
  if (!options.slackEndpoint) return checks;
  const slack = `${base}/slack/events`;
  try {
    const res = await get(slack, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    checks.push(
      res.status === 401
        ? pass(slack, "reaches Cartwatch's Slack endpoint (an unsigned request is refused)")
        : fail(
            slack,
            `answers ${res.status} to an unsigned request, where Cartwatch answers 401`,
            `route ${slack} to Cartwatch's PORT unchanged (path and body), as the manifest's request URLs expect`,
          ),
    );
  } catch (error) {
    checks.push(unreachable(slack, reasonOf(error)));
  }
  return checks;
}

function baseOf(given: string): string | undefined {
  try {
    const url = new URL(given);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    const path = url.pathname.replace(/\/slack\/events\/?$/, '').replace(/\/+$/, '');
    return `${url.origin}${path}`;
  } catch {
    return undefined;
  }
}

function reasonOf(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
}
