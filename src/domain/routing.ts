import type { ExceptionFacts, Routing } from './exception.js';

/** The shape of a configured route (config.ts's Route fits it). */
export interface RouteRule {
  match?: Readonly<Record<string, readonly string[] | undefined>>;
  team: string;
}

/** The facts a route's `match` can name, mapped onto an exception. */
function matchValue(facts: ExceptionFacts, owner: string | undefined, key: string): string | undefined {
  switch (key) {
    case 'stage':
      return facts.stage;
    case 'step':
      return facts.step;
    case 'source':
      return facts.source;
    case 'kind':
      return facts.kind;
    case 'error_code':
      return facts.errorCode;
    case 'owner':
      return owner;
    default:
      return undefined;
  }
}

const ROUTE_WORDS: Record<string, string> = { error_code: 'error code' };

/** ["a", "b", "c"] → "a, b or c": a route's reason as a person reads it. */
function oneOf(values: readonly string[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
}

/** First matching route wins; the last route (no match) is the default. Config validation guarantees one. */
export function routeException(
  facts: ExceptionFacts,
  options: {
    owner?: string;
    routes: readonly RouteRule[];
    teams: Readonly<Record<string, { channel: string }>>;
  },
): Routing {
  for (const route of options.routes) {
    const criteria = Object.entries(route.match ?? {}).filter(
      (c): c is [string, readonly string[]] => c[1] !== undefined,
    );
    const matches = criteria.every(([key, allowed]) => {
      const value = matchValue(facts, options.owner, key);
      return value !== undefined && allowed.includes(value);
    });
    if (!matches) continue;
    const team = options.teams[route.team];
    if (team === undefined) continue;
    const reason =
      criteria.length === 0
        ? 'no route matched before the default one'
        : criteria.map(([key, allowed]) => `${ROUTE_WORDS[key] ?? key} is ${oneOf(allowed)}`).join(', ');
    return { team: route.team, channel: team.channel, reason };
  }
  throw new Error('no route matched: the config must end with a default route');
}
