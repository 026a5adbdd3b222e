#!/usr/bin/env python3
"""core/tests/warn-sites.py - the WARN/BUG sites of the port against
core/warn-sites.tsv and against what the seed corpora reach.

Usage: warn-sites.py FENCE_PROG SOURCE_DIR

Lists every WARN_ON/WARN/BUG_ON/BUG/FENCE_ASSERT_DEBUG site of core/src/*.cpp
and core/include/fence/dma-fence.h (by file, enclosing function and
condition, so that line numbers may move), fails if one has no row in
core/warn-sites.tsv or a row names no site, then runs
`FENCE_PROG warn-sites corpora/*/seeds` and fails if a site whose row names
an op is not reached by that op. $WARN_SITES_TSV names another table
(the ctest that shows the check fires); WARN_SITES_LOCKDEP=0 says the build
has no lockdep (release), whose "(lockdep builds)" sites are compiled out. Prints the count: sites, reached, reasoned.
"""
import glob, os, re, subprocess, sys

SITE = re.compile(r'\b(WARN_ON|WARN|BUG_ON|BUG|FENCE_ASSERT_DEBUG)\s*\(')
FUNC = re.compile(r'^[A-Za-z_][\w\s\*:<>,]*?\b(\w+)\s*\(')

def sites(root):
    files = sorted(glob.glob(os.path.join(root, 'core/src/*.cpp')))
    files.append(os.path.join(root, 'core/include/fence/dma-fence.h'))
    out = []
    for path in files:
        func = None
        for no, line in enumerate(open(path, encoding='utf-8'), 1):
            m = FUNC.match(line)
            if m and not line.startswith(('#', '//')) and not line.rstrip().endswith(';'):
                func = m.group(1)
            s = line.strip()
            if s.startswith(('*', '/*', '//', '#')):
                continue  # comments and macro definitions
            for sm in SITE.finditer(line):
                if line[:sm.start()].count('"') % 2:
                    continue  # inside a string
                text = line[sm.start():].strip()
                out.append((os.path.basename(path), func, text, no))
    return out

def main():
    if len(sys.argv) != 3 or sys.argv[1] in ('-h', '--help'):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    prog, root = sys.argv[1], sys.argv[2]
    rows = []
    table = os.environ.get('WARN_SITES_TSV') or os.path.join(root, 'core/warn-sites.tsv')
    for line in open(table, encoding='utf-8'):
        if line.startswith('#') or not line.strip():
            continue
        f = line.rstrip('\n').split('\t')
        if len(f) != 4:
            print('warn-sites.tsv: bad row (4 tab-separated columns): ' + line.strip())
            return 1
        rows.append(f)
    found = sites(root)
    bad = 0
    matched = {}
    for file, func, text, no in found:
        r = [x for x in rows if x[0] == file and x[1] == func and text.startswith(x[2])]
        if len(r) != 1:
            print('%s:%d: %s in %s(): %s row in core/warn-sites.tsv' %
                  (file, no, text, func, 'no' if not r else 'more than one'))
            bad += 1
            continue
        matched[id(r[0])] = (file, no)
    for x in rows:
        if id(x) not in matched:
            print('core/warn-sites.tsv: no such site: %s %s() %s' % (x[0], x[1], x[2]))
            bad += 1
    seeds = sorted(glob.glob(os.path.join(root, 'corpora/*/seeds')))
    res = subprocess.run([prog, 'warn-sites'] + seeds, capture_output=True, text=True)
    if res.returncode != 0:
        print(res.stdout + res.stderr)
        print('fence-prog warn-sites failed (exit %d)' % res.returncode)
        return 1
    hits = set()
    for line in res.stdout.splitlines():
        if line.startswith('#'):
            continue
        site, op, _ = line.split(' ')
        hits.add((site, op))
    reached = reasoned = 0
    for x in rows:
        if id(x) not in matched:
            continue
        file, no = matched[id(x)]
        if x[3].startswith('reason: '):
            reasoned += 1
            continue
        op = x[3][3:] if x[3].startswith('op ') else None
        if op and op.endswith(' (lockdep builds)'):
            op = op[:-len(' (lockdep builds)')]
            if os.environ.get('WARN_SITES_LOCKDEP', '1') in ('0', 'OFF', 'FALSE', ''):
                reasoned += 1  # the site is compiled out in this build
                continue
        if op is None:
            print('core/warn-sites.tsv: %s %s(): neither "op NAME" nor "reason: ..."' % (x[0], x[1]))
            bad += 1
        elif not any(('%s:%d' % (file, n), op) in hits for n in range(no, no + 8)):
            # (a WARN() spread over lines reports a later line of its call)
            print('%s:%d (%s()): op %s does not reach it in the seed corpora' % (file, no, x[1], op))
            bad += 1
        else:
            reached += 1
    print('warn-sites: %d sites, %d reached by a misuse op in the seeds, %d with a reason, %d problems' %
          (len(found), reached, reasoned, bad))
    return 1 if bad else 0

if __name__ == '__main__':
    sys.exit(main())
