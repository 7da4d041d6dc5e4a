/**
 * Hard-kills the Chromium we launched on `userDataDir`: every process whose command
 * line names that (unique, temporary) profile directory gets SIGKILL, by pid. A
 * persistent context offers no Browser object (and so no process()) in Playwright,
 * and the profile path identifies exactly our processes and nothing else.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function pidsUsingProfile(userDataDir: string): number[] {
  const needle = `--user-data-dir=${userDataDir}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    if (cmdline.split('\0').includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs the browser and its helpers; returns how many processes were signalled. */
export function killChromiumOnProfile(userDataDir: string): number {
  const pids = pidsUsingProfile(userDataDir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids.length;
}
