import { describe, expect, it, vi } from 'vitest';
import { AppUpdate } from '../../src/app/updates.svelte';
import { jobStarted, runningJobs, trackJob } from '../../src/lib/jobs';

describe('app update waits for running jobs', () => {
  it('applies at once when no job runs', () => {
    const update = new AppUpdate();
    const apply = vi.fn(() => Promise.resolve());
    update.attach(apply);
    update.needRefresh();
    expect(update.available).toBe(true);
    update.request();
    expect(apply).toHaveBeenCalledWith(true);
    expect(update.pending).toBe(false);
  });

  it('holds the update while a job runs and applies it when the last one ends', () => {
    const update = new AppUpdate();
    const apply = vi.fn(() => Promise.resolve());
    update.attach(apply);
    update.needRefresh();
    const endFirst = jobStarted();
    const endSecond = jobStarted();
    expect(update.busy).toBe(2);
    update.request();
    expect(apply).not.toHaveBeenCalled();
    expect(update.pending).toBe(true);
    endFirst();
    endFirst(); // a second call is ignored
    expect(update.busy).toBe(1);
    expect(apply).not.toHaveBeenCalled();
    endSecond();
    expect(update.busy).toBe(0);
    expect(apply).toHaveBeenCalledTimes(1);
  });

  it('a postponed update does not fire when the jobs end', () => {
    const update = new AppUpdate();
    const apply = vi.fn(() => Promise.resolve());
    update.attach(apply);
    const end = jobStarted();
    update.request();
    update.postpone();
    end();
    expect(apply).not.toHaveBeenCalled();
  });

  it('trackJob counts a job until it settles, also when it fails', async () => {
    const before = runningJobs();
    let release!: () => void;
    const job = trackJob(() => new Promise<void>((resolve) => (release = resolve)));
    expect(runningJobs()).toBe(before + 1);
    release();
    await job;
    expect(runningJobs()).toBe(before);
    await expect(trackJob(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(runningJobs()).toBe(before);
  });
});
