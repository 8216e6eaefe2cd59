/**
 * Each digest runs once per team and local date (weekly: per ISO week): the run's row is the claim.
 * Its Slack post is queued only by the call that recorded the run, and only when the run asked for
 * one (a quiet day with skip_quiet is recorded unposted); a second caller, on any instance, queues
 * nothing.
 */
export function postsDigestRun(run: { recorded: boolean; post: boolean }): boolean {
  return run.recorded && run.post;
}
