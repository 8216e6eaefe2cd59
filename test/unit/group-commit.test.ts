import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/shared/group-commit.js';

describe('GroupCommit', () => {
  it('when jobs arrive in the same turn, then they are committed together and each gets its own result', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, number>((jobs) => {
      commits.push([...jobs]);
      return jobs.map((j) => j * 10);
    });
    const results = await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
    expect(results).toEqual([10, 20, 30]);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it('when one job of a group fails, then only that job is refused and its neighbours commit alone', async () => {
    const commits: number[][] = [];
    const group = new GroupCommit<number, number>((jobs) => {
      if (jobs.includes(2)) throw new Error('bad job');
      commits.push([...jobs]);
      return jobs.map((j) => j);
    });
    const outcomes = await Promise.allSettled([group.submit(1), group.submit(2), group.submit(3)]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toEqual([[1], [3]]);
  });

  it('when asked to drain, then it resolves after pending jobs are committed', async () => {
    let committed = 0;
    const group = new GroupCommit<number, number>((jobs) => {
      committed += jobs.length;
      return [...jobs];
    });
    void group.submit(1);
    await group.drained();
    expect(committed).toBe(1);
  });
});
