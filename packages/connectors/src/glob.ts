/**
 * A file-name glob as a shell reads one, for a source's `pattern` (`*.zip`, `sdtm_??.zip`,
 * `[ab]*.xpt`): `*` any run of characters, `?` one character, `[...]` one of a set. Matched against
 * a file's name only (never a path) and without regard to case, since transfer folders mix
 * `DM.XPT` and `dm.xpt`.
 */
export function globMatcher(pattern: string): (name: string) => boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) {
        source += '\\[';
        continue;
      }
      let set = pattern.slice(i + 1, end).replace(/[\\\]^]/g, (c) => `\\${c}`);
      if (set.startsWith('!')) set = `^${set.slice(1)}`;
      source += `[${set}]`;
      i = end;
    } else source += ch.replace(/[.+^${}()|\\]/g, (c) => `\\${c}`);
  }
  const regex = new RegExp(`^${source}$`, 'i');
  return (name) => regex.test(name);
}
