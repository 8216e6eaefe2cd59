import { z } from 'zod';
import { STAGES } from '../domain/event.js';
import { EXCEPTION_KINDS } from '../domain/exception.js';
import { unknownStageMessage } from './suggest.js';
import { isTimeZone, parseDuration, parseSize } from './units.js';

const stage = z.enum(STAGES, { error: (issue) => unknownStageMessage(issue.input) });

const duration = z.string({ error: 'must be a duration such as 15m, 2h or 1d' }).transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const size = z.string({ error: 'must be a size such as 1MiB' }).transform((text, ctx) => {
  try {
    return parseSize(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const timeZone = z.string().refine(isTimeZone, {
  error: (issue) =>
    `unknown time zone ${JSON.stringify(issue.input)}; use an IANA name such as Europe/Berlin`,
});

const channelId = z.string().regex(/^[CG][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0PAYMENTS');
const mentionId = z.string().regex(/^[SUW][A-Z0-9]{2,}$/, 'must be a user group id (S…) or user id (U…, W…)');

/** A scalar or a list in YAML, always a list after parsing. */
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((value) => (Array.isArray(value) ? value : [value]), z.array(item).min(1));

const stepRef = z
  .string()
  .regex(/^[a-z_]+\.[^\s]+$/, 'must be stage.step, e.g. payment.authorize')
  .transform((text, ctx) => {
    const dot = text.indexOf('.');
    const parsed = stage.safeParse(text.slice(0, dot));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `${unknownStageMessage(text.slice(0, dot))} (in "${text}")` });
      return z.NEVER;
    }
    return { stage: parsed.data, step: text.slice(dot + 1) };
  });

const team = z.strictObject({
  channel: channelId,
  mention: mentionId.optional(),
  timezone: timeZone.optional(),
  members: listOf(mentionId).optional(),
});

const route = z.strictObject({
  match: z
    .strictObject({
      stage: listOf(stage).optional(),
      step: listOf(z.string().min(1)).optional(),
      source: listOf(z.string().min(1)).optional(),
      kind: listOf(z.enum(EXCEPTION_KINDS)).optional(),
      error_code: listOf(z.string().min(1)).optional(),
      owner: listOf(z.string().min(1)).optional(),
    })
    .refine((match) => Object.keys(match).length > 0, {
      message: 'give at least one of stage, step, source, kind, error_code, owner (or drop match)',
    })
    .optional(),
  team: z.string().min(1),
});

/** What noise rules, silences and maintenance windows match (SPEC "Noise"). */
const noiseMatchFields = {
  stage: listOf(stage).optional(),
  step: listOf(z.string().min(1)).optional(),
  source: listOf(z.string().min(1)).optional(),
  error_code: listOf(z.string().min(1)).optional(),
  kind: listOf(z.enum(EXCEPTION_KINDS)).optional(),
};
const atLeastOne = (match: object) => Object.values(match).some((v) => v !== undefined);

const share = z.string().transform((text, ctx) => {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const value = match ? Number(match[1]) / 100 : Number.NaN;
  if (!(value > 0 && value < 1)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not a share; write e.g. 20% (between 0% and 100%)`,
    });
    return z.NEVER;
  }
  return value;
});

const factor = z.string().transform((text, ctx) => {
  const match = /^(\d+(?:\.\d+)?)x$/.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  if (!(value > 1)) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(text)} is not a factor; write e.g. 2x (more than 1x)`,
    });
    return z.NEVER;
  }
  return value;
});

const instant = z
  .string()
  .refine((text) => /(Z|[+-]\d\d:\d\d)$/.test(text) && !Number.isNaN(Date.parse(text)), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a time; write RFC 3339 with an offset, e.g. 2026-12-10T22:00:00Z`,
  });

const weekly = z
  .string()
  .regex(
    /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):[0-5]\d$/,
    'must be a weekday and time, e.g. "Sun 02:00"',
  );

/** `digest.weekly`: "Mon 09:00" (a weekday and a 24-hour time), true for that default, false for none. */
const WEEKLY_DIGEST = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([01]\d|2[0-3]):[0-5]\d$/;
const weeklyDigest = z.unknown().transform((value, ctx): string | false => {
  if (value === false) return false;
  if (value === true) return 'Mon 09:00';
  if (typeof value === 'string' && WEEKLY_DIGEST.test(value)) return value;
  ctx.addIssue({
    code: 'custom',
    message: `${JSON.stringify(value)} is not a weekly time; write a weekday and a 24-hour time such as "Mon 09:00", or false for no weekly digest`,
  });
  return z.NEVER;
});

const noise = z.strictObject({
  suppress: z
    .array(
      z.strictObject({
        match: z.strictObject(noiseMatchFields).refine(atLeastOne, {
          message: 'give at least one of stage, step, source, error_code, kind',
        }),
        reason: z.string().min(1).max(80),
      }),
    )
    .default([]),
  rates: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9_.-]+$/, 'rule names are lowercase letters, digits, ., - and _')
          .optional(),
        match: z
          .strictObject({
            stage: noiseMatchFields.stage,
            step: noiseMatchFields.step,
            source: noiseMatchFields.source,
          })
          .refine(atLeastOne, { message: 'give at least one of stage, step, source' }),
        window: duration,
        min_attempts: z.int().positive(),
        above: share,
        baseline: factor.optional(),
      }),
    )
    .default([]),
});

const maintenance = z
  .strictObject({
    name: z.string().min(1).max(80),
    match: z
      .strictObject({ team: listOf(z.string().min(1)).optional(), ...noiseMatchFields })
      .refine(atLeastOne, { message: 'give at least one of team, stage, step, source, error_code, kind' }),
    every: weekly.optional(),
    for: duration.optional(),
    timezone: timeZone.optional(),
    from: instant.optional(),
    until: instant.optional(),
  })
  .superRefine((w, ctx) => {
    const weeklyGiven = w.every !== undefined || w.for !== undefined;
    const onceGiven = w.from !== undefined || w.until !== undefined;
    if (weeklyGiven === onceGiven)
      ctx.addIssue({
        code: 'custom',
        message: 'give either every and for (weekly) or from and until (once)',
      });
    else if (weeklyGiven && (w.every === undefined || w.for === undefined))
      ctx.addIssue({ code: 'custom', message: 'a weekly window needs both every and for' });
    else if (onceGiven && (w.from === undefined || w.until === undefined))
      ctx.addIssue({ code: 'custom', message: 'a one-off window needs both from and until' });
    else if (onceGiven && Date.parse(w.until ?? '') <= Date.parse(w.from ?? ''))
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be later than from' });
    if (w.for !== undefined && w.for > 7 * 86_400_000)
      ctx.addIssue({ code: 'custom', path: ['for'], message: 'a window lasts at most 7d' });
  });

/** Unknown stage keys are reported as unrecognized keys, with their path. */
const stageKeyed = <T extends z.ZodType>(value: T) => z.partialRecord(stage, value);

/** cartwatch.yml as written (SPEC "Config"), before cross-references are checked. */
export const configFileSchema = z.strictObject({
  timezone: timeZone.default('UTC'),
  teams: z.record(
    z.string().regex(/^[a-z0-9_-]+$/, 'team names are lowercase letters, digits, - and _'),
    team,
  ),
  routes: z.array(route).min(1, 'add at least one route; the last, without match, is the default'),
  sla: stageKeyed(duration).default({}),
  expect: z
    // biome-ignore lint/suspicious/noThenProperty: `then` is the key SPEC's cartwatch.yml uses; normalise renames it.
    .array(z.strictObject({ after: stepRef, then: stepRef, within: duration }))
    .default([]),
  backlog: stageKeyed(
    z
      .strictObject({ max_waiting: z.int().positive().optional(), max_age: duration.optional() })
      .refine((rule) => rule.max_waiting !== undefined || rule.max_age !== undefined, {
        message: 'give max_waiting, max_age or both',
      }),
  ).default({}),
  sources: z.record(z.string().min(1), z.strictObject({ every: duration })).default({}),
  escalation: z
    .strictObject({
      after: duration.default(15 * 60_000),
      channel: channelId.optional(),
      remind_acknowledged_after: duration.default(4 * 3_600_000),
    })
    .default({ after: 15 * 60_000, remind_acknowledged_after: 4 * 3_600_000 }),
  digest: z
    .strictObject({
      at: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:MM, e.g. "09:00"')
        .default('09:00'),
      skip_quiet: z.boolean().default(false),
      weekly: weeklyDigest.optional(),
    })
    .default({ at: '09:00', skip_quiet: false }),
  retention_days: z.int().min(1, 'must be a whole number of days, 1 or more').default(90),
  ingest: z.strictObject({ max_body: size.default(1024 * 1024) }).default({ max_body: 1024 * 1024 }),
  // Absent: the built-in rules (normalise fills them in); present, even empty: exactly what it says.
  noise: noise.optional(),
  maintenance: z.array(maintenance).default([]),
});

export type ConfigFile = z.output<typeof configFileSchema>;
