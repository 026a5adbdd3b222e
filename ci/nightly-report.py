#!/usr/bin/env python3
"""ci/nightly-report.py - the report half of ci/nightly (not run by hand).

ci/nightly fuzzes, merges and triages, and leaves its numbers in its work
folder; this script appends the night's line to STATE/history.jsonl, draws
the plots (gnuplot) and writes report.md and index.html into the night's
report folder.

  ci/nightly-report.py --state S --report R --work W ...   (what ci/nightly runs)
  ci/nightly-report.py regressions HISTORY                 (the warnings of its last line)
"""
import argparse
import html
import json
import os
import re
import statistics
import subprocess
import sys

REGRESSION = 0.7  # below this fraction of the previous nights' median: a warning


def regressions(history):
    """Warnings for the last night of @history (a list of dicts) against the
    median of the nights before it: line/branch coverage and each harness's
    exec/s below REGRESSION of the median."""
    if len(history) < 2:
        return []
    night, prev = history[-1], history[:-1]
    out = []

    def check(what, value, values):
        values = [v for v in values if v is not None]
        if value is None or not values:
            return
        med = statistics.median(values)
        if med > 0 and value < REGRESSION * med:
            out.append(f"{what} {value:g} is {100 * value / med:.0f}% of the median of the "
                       f"previous {len(values)} night(s) ({med:g})")

    for key, what in (("line_pct", "line coverage %"), ("branch_pct", "branch coverage %")):
        check(what, night.get(key), [n.get(key) for n in prev])
    for h, st in sorted(night.get("harnesses", {}).items()):
        check(f"{h} exec/s", st.get("exec_s"),
              [n.get("harnesses", {}).get(h, {}).get("exec_s") for n in prev])
    return out


def read_history(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_tsv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def coverage_files(path, root):
    """{relative file: (lines covered, lines, branches covered, branches)} from llvm-cov export."""
    if not path or not os.path.exists(path) or os.path.getsize(path) == 0:
        return {}
    with open(path) as f:
        data = json.load(f)
    files = {}
    for fl in data["data"][0]["files"]:
        name = os.path.relpath(fl["filename"], root)
        s = fl["summary"]
        if s["lines"]["count"] == 0:
            continue
        files[name] = (s["lines"]["covered"], s["lines"]["count"],
                       s["branches"]["covered"], s["branches"]["count"])
    return files


def merge_text(m):
    """The merge check in words: the -runs=0 pass's cov and ft over the union
    and over the merged corpus, or the control merge when the union crashes."""
    if m["union_cov"] is None:
        return (f"union crashes this build; merged {m['merged_cov']} {m['merged_ft']}, "
                f"control merge: {m['verdict']}")
    ft = lambda v: "" if v is None else f" {v}"
    return f"{m['union_cov']}{ft(m['union_ft'])} / {m['merged_cov']}{ft(m['merged_ft'])}: {m['verdict']}"


def pct(a, b):
    return round(100.0 * a / b, 2) if b else None


def plots(history, report):
    """coverage.png, execs.png, corpus.png over the nights (gnuplot)."""
    harnesses = sorted({h for n in history for h in n.get("harnesses", {})})
    dat = os.path.join(report, "history.dat")
    with open(dat, "w") as f:
        for i, n in enumerate(history, 1):
            row = [str(i), n["date"][5:16].replace("T", "_"),
                   str(n.get("line_pct") if n.get("line_pct") is not None else "NaN"),
                   str(n.get("branch_pct") if n.get("branch_pct") is not None else "NaN")]
            for h in harnesses:
                st = n.get("harnesses", {}).get(h, {})
                row += [str(st.get("exec_s", "NaN")), str(st.get("corpus", "NaN"))]
            f.write(" ".join(row) + "\n")
    common = ('set terminal pngcairo noenhanced size 900,320 font "sans,11"\n'
              'set grid\nset key outside right\nset xlabel "night"\n'
              f'set xrange [0.5:{len(history) + 0.5}]\nset xtics 1\n')
    gp = common + (
        f'set output "{report}/coverage.png"\nset title "core/ coverage (coverage build, merged corpora)"\n'
        f'set ylabel "%"\nset yrange [0:100]\nplot "{dat}" using 1:3:xtic(2) with linespoints lw 2 title "lines", '
        f'"" using 1:4 with linespoints lw 2 title "branches"\n')
    for what, col0, title in (("execs", 5, "exec/s per harness (all jobs)"),
                              ("corpus", 6, "merged corpus size (inputs)")):
        parts = [f'"{dat}" using 1:{col0 + 2 * i}:xtic(2) with linespoints lw 2 title "{h}"'
                 for i, h in enumerate(harnesses)]
        gp += (f'set output "{report}/{what}.png"\nset title "{title}"\nset ylabel "{what}"\n'
               f'set yrange [0:*]\nplot ' + ", ".join(parts) + "\n")
    subprocess.run(["gnuplot"], input=gp, text=True, check=False,
                   stdout=subprocess.DEVNULL, stderr=open(os.path.join(report, "gnuplot.log"), "w"))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "regressions":
        for w in regressions(read_history(sys.argv[2])):
            print("WARNING: " + w)
        return 0
    ap = argparse.ArgumentParser()
    for a in ("state", "report", "work", "date", "commit", "engine", "bug", "minutes", "jobs",
              "bdir", "prev", "command"):
        ap.add_argument("--" + a, default="")
    a = ap.parse_args()
    root = os.getcwd()

    # The night's numbers.
    harnesses = {}
    for row in read_tsv(os.path.join(a.work, "harness-stats.tsv")):
        h, execs, secs, cov, ft, corpus, union, bcov, bft, acov, aft, verdict, origin = row
        num = lambda s: int(s) if s.isdigit() else None
        harnesses[h] = {"execs": int(execs), "exec_s": round(int(execs) / max(1, int(secs))),
                        "seconds": int(secs), "corpus": int(corpus), "union": int(union),
                        "fuzz_cov": num(cov), "fuzz_ft": num(ft),
                        "merge_check": {"union_cov": num(bcov), "union_ft": num(bft),
                                        "merged_cov": num(acov), "merged_ft": num(aft),
                                        "verdict": verdict},
                        "corpus_from": origin}
    new = [l.split() for l in open(os.path.join(a.work, "night-new.txt")) if l.strip()]
    known = [l.split() for l in open(os.path.join(a.work, "night-known.txt")) if l.strip()]
    cmds = {r[0]: r[1] for r in read_tsv(os.path.join(a.work, "night-cmds.tsv")) if len(r) > 1}
    db = read_tsv(os.path.join(a.state, "crashes.tsv"))[1:]
    untriaged_path = os.path.join(a.work, "night-untriaged.txt")
    untriaged = sum(int(l) for l in open(untriaged_path) if l.strip().isdigit()) if os.path.exists(untriaged_path) else 0

    files = coverage_files(os.path.join(a.report, "coverage-summary.json"), root)
    prev_files = coverage_files(os.path.join(a.prev, "coverage-summary.json"), root) if a.prev else {}
    lc = sum(v[0] for v in files.values()); lt = sum(v[1] for v in files.values())
    bc = sum(v[2] for v in files.values()); bt = sum(v[3] for v in files.values())

    # The semantic-coverage map's summary lines (fence-prog coverage).
    sem_path = os.path.join(a.report, "semantic-coverage.txt")
    sem_lines, sem_reached, sem_legal = [], None, None
    if os.path.exists(sem_path):
        for l in open(sem_path):
            if l.startswith("reached ") or l.startswith("change since ") or "RULE ERROR" in l:
                sem_lines.append(l.rstrip("\n"))
            m = re.match(r"reached (\d+) of (\d+) legal cells", l)
            if m:
                sem_reached, sem_legal = int(m.group(1)), int(m.group(2))

    hist_path = os.path.join(a.state, "history.jsonl")
    history = read_history(hist_path)
    night = {"date": a.date, "commit": a.commit, "engine": a.engine, "bug": a.bug or None,
             "minutes": int(a.minutes), "jobs": int(a.jobs), "harnesses": harnesses,
             "lines_covered": lc if files else None, "lines": lt if files else None,
             "line_pct": pct(lc, lt) if files else None,
             "branches_covered": bc if files else None, "branches": bt if files else None,
             "branch_pct": pct(bc, bt) if files else None,
             "semantic_reached": sem_reached, "semantic_legal": sem_legal,
             "crashes_new": len(new), "crashes_known": len(known), "crashes_untriaged": untriaged,
             "report": os.path.relpath(a.report, a.state)}
    history.append(night)
    with open(hist_path, "a") as f:
        f.write(json.dumps(night, sort_keys=True) + "\n")
    warnings = regressions(history)
    prev_night = history[-2] if len(history) > 1 else None
    plots(history, a.report)

    # report.md
    md = []
    md.append(f"# fencefuzz nightly {a.date}")
    md.append("")
    for w in warnings:
        md.append(f"**WARNING: {w}.**")
        md.append("")
    if new:
        md.append(f"**{len(new)} NEW crash signature(s)** (below).")
    else:
        md.append(f"No new crash signature ({len(known)} crash(es) of known signatures"
                  + (f", {untriaged} more not triaged" if untriaged else "") + ").")
    md.append("")
    md.append(f"- command: `{a.command}`; engine {a.engine}, {a.jobs} job(s) per harness, "
              f"{a.minutes} min of fuzzing")
    md.append(f"- core: " + (f"INJECTED BUG '{a.bug}' (self-check, core/zoo/{a.bug}.patch)" if a.bug else "clean")
              + f"; build {a.bdir}; commit {a.commit}")
    md.append(f"- night {len(history)} of this state folder; history: `history.jsonl`, crash database: `crashes.tsv`")
    md.append("")
    md.append("## Harnesses")
    md.append("")
    md.append("| harness | corpus from | executions | exec/s | fuzzer cov / ft | union -> merged | merge check (cov ft: union / merged) | corpus change |")
    md.append("|---|---|---:|---:|---:|---:|---|---:|")
    for h, s in harnesses.items():
        m = s["merge_check"]
        pc = prev_night["harnesses"].get(h, {}).get("corpus") if prev_night else None
        change = f"{s['corpus'] - pc:+d}" if pc is not None else "first night"
        md.append(f"| {h} | {'seeds' if s['corpus_from'] == 'first' else 'state'} | {s['execs']} | {s['exec_s']} | "
                  f"{s['fuzz_cov']} / {s['fuzz_ft']} | {s['union']} -> {s['corpus']} | "
                  f"{merge_text(m)} | {change} |")
    md.append("")
    md.append("## Coverage (core/, coverage build over the merged corpora)")
    md.append("")
    if files:
        d = ""
        if prev_night and prev_night.get("line_pct") is not None:
            d = (f" (previous night {prev_night['line_pct']}% lines, {prev_night['branch_pct']}% branches: "
                 f"{lc - prev_night['lines_covered']:+d} lines, {bc - prev_night['branches_covered']:+d} branches)")
        md.append(f"Total: lines {lc}/{lt} = {pct(lc, lt)}%, branches {bc}/{bt} = {pct(bc, bt)}%{d}. "
                  f"HTML: [coverage/index.html](coverage/index.html)")
        md.append("")
        md.append("| file | lines | line % | branches | branch % | change (lines, branches) |")
        md.append("|---|---:|---:|---:|---:|---:|")
        for name, (c1, t1, c2, t2) in sorted(files.items()):
            p = prev_files.get(name)
            ch = f"{c1 - p[0]:+d}, {c2 - p[2]:+d}" if p else ("-" if not prev_files else "new file")
            md.append(f"| {name} | {c1}/{t1} | {pct(c1, t1) if t1 else '-'} | {c2}/{t2} | "
                      f"{pct(c2, t2) if t2 else '-'} | {ch} |")
    else:
        md.append("No coverage this night (--no-coverage, or the coverage step failed).")
    md.append("")
    md.append("## Semantic coverage (seeds and the merged corpora)")
    md.append("")
    if sem_lines:
        md.append("```")
        md.extend(sem_lines)
        md.append("```")
        md.append("The table and every empty legal cell: [semantic-coverage.txt](semantic-coverage.txt) "
                  "(`fence-prog coverage`, README \"The semantic-coverage map\").")
    else:
        md.append("No semantic-coverage map this night (see the run's log).")
    md.append("")
    md.append("## Crashes")
    md.append("")
    if new:
        md.append("| NEW signature | harness | replays | ops | reproduce |")
        md.append("|---|---|---:|---:|---|")
        for sig, _, h, rep, ops, path in new:
            md.append(f"| `{sig}` | {h} | {rep} | {ops} | `{cmds.get(sig, a.bdir + '/tools/fence-repro ' + path)}` |")
        md.append("")
    if known:
        agg = {}
        for sig, _, h, *_rest in known:
            e = agg.setdefault(sig, [0, set()])
            e[0] += 1
            e[1].add(h)
        md.append("| known signature | tonight | harnesses tonight |")
        md.append("|---|---:|---|")
        for sig, (c, hs) in sorted(agg.items()):
            md.append(f"| `{sig}` | {c} | {', '.join(sorted(hs))} |")
        md.append("")
    if untriaged:
        md.append(f"{untriaged} more crash artifact(s) were not triaged (at most 50 per harness).")
        md.append("")
    if not new and not known:
        md.append("No crashes tonight.")
        md.append("")
    if db:
        md.append("Crash database (all nights):")
        md.append("")
        md.append("| signature | first seen | last seen | count | harnesses | engine | reproducer |")
        md.append("|---|---|---|---:|---|---|---|")
        for r in db:
            md.append("| `" + r[0] + "` | " + " | ".join(r[1:6]) + f" | `{a.bdir}/tools/fence-repro {r[6]}` |")
        md.append("")
    md.append("## Over the nights")
    md.append("")
    md.append("![coverage](coverage.png) ![exec/s](execs.png) ![corpus](corpus.png)")
    md.append("")
    md.append("| night | date | commit | bug | line % | branch % | " +
              " | ".join(f"{h} exec/s, corpus" for h in harnesses) + " | new | known |")
    md.append("|---:|---|---|---|---:|---:|" + "---:|" * len(harnesses) + "---:|---:|")
    for i, n in enumerate(history, 1):
        cells = [f"{n['harnesses'].get(h, {}).get('exec_s', '-')}, {n['harnesses'].get(h, {}).get('corpus', '-')}"
                 for h in harnesses]
        md.append(f"| {i} | {n['date']} | {n['commit']} | {n.get('bug') or '-'} | {n.get('line_pct')} | "
                  f"{n.get('branch_pct')} | " + " | ".join(cells) + f" | {n['crashes_new']} | {n['crashes_known']} |")
    md.append("")
    with open(os.path.join(a.report, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")

    # index.html: the same, for a browser.
    e = html.escape
    H = ['<!doctype html><html><head><meta charset="utf-8"><title>fencefuzz nightly ' + e(a.date) + '</title>',
         '<style>body{font-family:sans-serif;margin:24px;max-width:1150px;font-size:15px;color:#222}'
         'table{border-collapse:collapse;margin:8px 0 18px}td,th{border:1px solid #bbb;padding:3px 7px;font-size:13px}'
         'th{background:#eee}td.n{text-align:right}code{font-size:12px;word-break:break-all}'
         '.warn{background:#ffd6d6;border:2px solid #c00;padding:8px;font-weight:bold}'
         '.new{background:#fff0c0;border:2px solid #c80;padding:8px;font-weight:bold}'
         '.ok{background:#dff5df;border:1px solid #393;padding:8px}img{max-width:100%;border:1px solid #ccc;margin:4px 0}'
         'h1{font-size:22px}h2{font-size:18px;margin-top:22px}</style></head><body>',
         f'<h1>fencefuzz nightly {e(a.date)}</h1>']
    for w in warnings:
        H.append(f'<p class="warn">WARNING: {e(w)}</p>')
    if new:
        H.append(f'<p class="new">{len(new)} NEW crash signature(s): see Crashes.</p>')
    else:
        H.append(f'<p class="ok">No new crash signature ({len(known)} crash(es) of known signatures).</p>')
    if files:
        H.append(f'<p><b>core/ coverage: lines {pct(lc, lt)}%, branches {pct(bc, bt)}%</b>'
                 + (f' (previous night {prev_night["line_pct"]}% / {prev_night["branch_pct"]}%: '
                    f'{lc - prev_night["lines_covered"]:+d} lines, {bc - prev_night["branches_covered"]:+d} branches)'
                    if prev_night and prev_night.get("line_pct") is not None else '')
                 + '; <a href="coverage/index.html">coverage report</a>. Corpus: '
                 + ", ".join(f'{h} {s["corpus"]}' for h, s in harnesses.items()) + '.</p>')
    if sem_lines:
        H.append('<p><b>Semantic coverage</b> (<a href="semantic-coverage.txt">map</a>): '
                 + "; ".join(e(l.strip()) for l in sem_lines) + '</p>')
    H.append(f'<p>Engine {e(a.engine)}, {e(a.jobs)} job(s) per harness, {e(a.minutes)} min; core: '
             + (f'<b>injected bug {e(a.bug)}</b>' if a.bug else 'clean')
             + f'; commit {e(a.commit)}; night {len(history)} of this state folder. '
             f'Command: <code>{e(a.command)}</code></p>')
    H.append('<h2>Harnesses</h2><table><tr><th>harness</th><th>executions</th><th>exec/s</th>'
             '<th>fuzzer cov / ft</th><th>union &rarr; merged</th><th>merge check (-runs=0 cov ft: union / merged)</th></tr>')
    for h, s in harnesses.items():
        m = s["merge_check"]
        H.append(f'<tr><td>{h}</td><td class="n">{s["execs"]}</td><td class="n">{s["exec_s"]}</td>'
                 f'<td class="n">{s["fuzz_cov"]} / {s["fuzz_ft"]}</td><td class="n">{s["union"]} &rarr; {s["corpus"]}</td>'
                 f'<td>{e(merge_text(m))}</td></tr>')
    H.append('</table>')
    H.append('<h2>Crashes</h2>')
    if new:
        H.append('<table><tr><th>NEW signature</th><th>harness</th><th>replays</th><th>ops</th><th>reproduce</th></tr>')
        for sig, _, h, rep, ops, path in new:
            H.append(f'<tr><td><code>{e(sig)}</code></td><td>{h}</td><td class="n">{rep}</td><td class="n">{ops}</td>'
                     f'<td><code>{e(cmds.get(sig, a.bdir + "/tools/fence-repro " + path))}</code></td></tr>')
        H.append('</table>')
    if db:
        H.append('<table><tr><th>signature (all nights)</th><th>first seen</th><th>last seen</th><th>count</th>'
                 '<th>harnesses</th><th>reproduce</th></tr>')
        for r in db:
            H.append(f'<tr><td><code>{e(r[0])}</code></td><td>{e(r[1])}</td><td>{e(r[2])}</td><td class="n">{e(r[3])}</td>'
                     f'<td>{e(r[4].replace(",", ", "))}</td><td><code>{e(a.bdir)}/tools/fence-repro {e(r[6])}</code></td></tr>')
        H.append('</table>')
    else:
        H.append('<p>No crashes in any night.</p>')
    H.append('<h2>Over the nights</h2><img src="coverage.png"><br><img src="execs.png"><br><img src="corpus.png">')
    H.append('<h2>Coverage</h2>')
    if files:
        H.append(f'<p>core/: lines {lc}/{lt} = <b>{pct(lc, lt)}%</b>, branches {bc}/{bt} = <b>{pct(bc, bt)}%</b>'
                 + (f' (previous night {prev_night["line_pct"]}% / {prev_night["branch_pct"]}%)'
                    if prev_night and prev_night.get("line_pct") is not None else '')
                 + '. <a href="coverage/index.html">Line-by-line coverage report</a></p>')
        H.append('<table><tr><th>file</th><th>lines</th><th>line %</th><th>branches</th><th>branch %</th><th>change</th></tr>')
        for name, (c1, t1, c2, t2) in sorted(files.items()):
            p = prev_files.get(name)
            ch = f"{c1 - p[0]:+d}, {c2 - p[2]:+d}" if p else "-"
            H.append(f'<tr><td>{e(name)}</td><td class="n">{c1}/{t1}</td><td class="n">{pct(c1, t1) if t1 else "-"}</td>'
                     f'<td class="n">{c2}/{t2}</td><td class="n">{pct(c2, t2) if t2 else "-"}</td><td class="n">{ch}</td></tr>')
        H.append('</table>')
    else:
        H.append('<p>No coverage this night.</p>')
    H.append('<p><a href="report.md">report.md</a></p></body></html>')
    with open(os.path.join(a.report, "index.html"), "w") as f:
        f.write("\n".join(H) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
