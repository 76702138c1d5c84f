#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Summarise meson test logs at the TAP assertion level.

Usage: test_summary.py [--fail LABEL:REASON ...] BUILD_DIR...

Reads BUILD_DIR/meson-logs/testlog.json of each build directory. Every
top-level "ok" / "not ok" line of a test's output is one item; "ok ... # SKIP"
and a "1..0 # SKIP" plan count as skipped, "not ok ... # TODO" as skipped too.
A test that meson judged failed (crash, timeout, bad exit status, plan
mismatch) without any "not ok" line counts as one failed item. --fail adds
an item that failed before any test could run (a build step). Lists every
failed and skipped item with its reason, then prints the closing line
"N passed, N failed, N skipped". Exit status 1 if anything failed.
"""

import json
import os
import re
import sys

TAP_LINE = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$')
DIRECTIVE = re.compile(r'\s#\s*(SKIP|TODO)\b\S*\s*(.*)$', re.IGNORECASE)
SKIP_PLAN = re.compile(r'^1\.\.0\s*#\s*SKIP\S*\s*(.*)$', re.IGNORECASE)
BAD_RESULTS = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS', 'INTERRUPT'}


def parse_test(label, rec, out):
    text = rec.get('stdout') or ''
    lines = text.splitlines()
    failed_lines = 0
    seen_tap = False
    for i, line in enumerate(lines):
        m = SKIP_PLAN.match(line)
        if m:
            seen_tap = True
            out['skipped'].append((label, m.group(1).strip() or 'skipped'))
            continue
        m = TAP_LINE.match(line)
        if not m:
            continue
        seen_tap = True
        status, _num, desc = m.groups()
        d = DIRECTIVE.search(desc)
        name = desc[:d.start()].strip() if d else desc.strip()
        item = '%s: %s' % (label, name or '#%s' % _num)
        if d and d.group(1).upper() == 'SKIP' and status == 'ok':
            out['skipped'].append((item, d.group(2).strip() or 'skipped'))
        elif d and d.group(1).upper() == 'TODO' and status == 'not ok':
            out['skipped'].append((item, 'TODO ' + d.group(2).strip()))
        elif status == 'ok':
            out['passed'] += 1
        else:
            failed_lines += 1
            diag = []
            for nxt in lines[i + 1:]:
                if not nxt.startswith('#'):
                    break
                diag.append(nxt.lstrip('# ').rstrip())
            out['failed'].append((item, '; '.join(d for d in diag if d)[:600] or 'not ok'))
    result = rec.get('result', '')
    if result in BAD_RESULTS and failed_lines == 0:
        why = result.lower()
        if rec.get('returncode') not in (None, 0):
            why += ', exit status %s' % rec['returncode']
        if not seen_tap:
            why += ', no TAP output'
        bail = [x for x in lines if x.startswith('Bail out!')]
        if bail:
            why += ': ' + bail[0][:600]
        err = (rec.get('stderr') or '').strip().splitlines()
        if err:
            why += ': ' + ' | '.join(err[-3:])[:600]
        out['failed'].append((label, why))


def main(argv):
    out = {'passed': 0, 'failed': [], 'skipped': []}
    dirs = []
    args = iter(argv)
    for a in args:
        if a == '--fail':
            label, _, reason = next(args).partition(':')
            out['failed'].append((label, reason))
        else:
            dirs.append(a)
    for d in dirs:
        path = os.path.join(d, 'meson-logs', 'testlog.json')
        if not os.path.exists(path):
            continue
        with open(path, encoding='utf-8', errors='replace') as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                parse_test('%s %s' % (os.path.basename(os.path.normpath(d)), rec['name']),
                           rec, out)
    if out['failed']:
        print('FAILED:')
        for item, why in out['failed']:
            print('  %s -- %s' % (item, why))
    if out['skipped']:
        print('SKIPPED:')
        for item, why in out['skipped']:
            print('  %s -- %s' % (item, why))
    print('%d passed, %d failed, %d skipped'
          % (out['passed'], len(out['failed']), len(out['skipped'])))
    return 1 if out['failed'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
