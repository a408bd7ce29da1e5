"""The class at a glance: ``class-report.html``, written by ``python -m course_utils.grade``.

One self-contained HTML file (styles inline, plots embedded as PNG data URIs: it opens offline in
any browser) built from the grader's JSON report: the score distribution, the pass rate per
exercise and per test, the most frequent feedback messages per exercise (counts only, no learner
names), the learners flagged for a time limit, a crash, possible tampering or weak isolation, the
entries not graded and why, and the grading time. Untrusted scores (flagged for review) are left
out of every figure.

    python -m course_utils.class_report report.json --out class-report.html
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MAX_MESSAGES = 5  # per exercise
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;
     padding:0 1rem;color:#1d2330;line-height:1.45}
h1{margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:1px solid #d8dce5;padding-bottom:.2rem}
.sub{color:#5a6272} table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #e4e7ee;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f9} td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.card{border:1px solid #d8dce5;border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem} .warn{color:#a8071a} figure{margin:1rem 0}
figure img{max-width:100%;border:1px solid #e4e7ee} figcaption{color:#5a6272;font-size:.9rem}
details{margin:.3rem 0} summary{cursor:pointer;font-weight:600}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(src: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{src}" alt="{_esc(alt)}" data-plot="{_esc(alt)}">'
            f"<figcaption>{_esc(caption)}</figcaption></figure>")


def _plots(trusted: list[dict[str, Any]], exercises: list[str]) -> list[str]:
    """The score histogram and the per-exercise pass rates, as embedded PNGs."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    out = []
    fig, ax = plt.subplots(figsize=(8, 3.2))
    percents = [float(r.get("percent", 0.0)) for r in trusted]
    ax.hist(percents, bins=[i * 10 for i in range(11)], color="#3b6fd8", edgecolor="white")
    ax.set_xlabel("score (%)")
    ax.set_ylabel("learners")
    ax.set_xlim(0, 100)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Score distribution")
    out.append(_figure(_png(fig), "score distribution",
                       f"Scores of the {len(trusted)} learner(s) with trusted results, in bands of 10%."))
    fig, ax = plt.subplots(figsize=(8, max(2.5, 0.28 * len(exercises) + 1)))
    n = max(1, len(trusted))
    solved = [sum(1 for r in trusted if r["scores"].get(e) == 1.0) / n * 100 for e in exercises]
    mean = [sum(float(r["scores"].get(e, 0.0)) for r in trusted) / n * 100 for e in exercises]
    ys = list(range(len(exercises)))
    ax.barh([y + 0.2 for y in ys], mean, height=0.4, color="#9db8ee", label="mean score")
    ax.barh([y - 0.2 for y in ys], solved, height=0.4, color="#3b6fd8", label="solved fully")
    ax.set_yticks(ys)
    ax.set_yticklabels(exercises, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of learners")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Pass rate per exercise")
    out.append(_figure(_png(fig), "pass rate per exercise",
                       "Per exercise: the share of learners who passed every test, and the mean score."))
    return out


def _flags(learners: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows = []
    for r in learners:
        status = str(r.get("status", ""))
        if status.startswith("skipped"):
            continue
        if r.get("review"):
            rows.append((r["learner"], "possible tampering", "; ".join(r["review"])[:400]))
        if status in ("time limit", "crashed", "error"):
            why = [n for n in r.get("notes", []) if ":" in n and ("took longer" in n or "process" in n
                                                                 or "time" in n or "error" in n)]
            rows.append((r["learner"], status, "; ".join(why)[:400]))
        if r.get("level") in ("weak", "partial"):
            rows.append((r["learner"], f"{r['level']} isolation", str(r.get("isolation", ""))[:200]))
    return rows


def build(report: dict[str, Any], *, title: str = "Class report") -> str:
    """The HTML page for a grader JSON report (see ``course_utils.grade``)."""
    exercises: list[str] = list(report.get("exercises", []))
    learners: list[dict[str, Any]] = list(report.get("learners", []))
    graded = [r for r in learners if not str(r.get("status", "")).startswith("skipped")]
    trusted = [r for r in graded if r.get("trusted", True)]
    skipped = report.get("skipped") or [{"entry": r.get("entry") or r["learner"], "why": r["status"]}
                                        for r in learners if str(r.get("status", "")).startswith("skipped")]
    flagged = [r for r in graded if r.get("review")]
    mean = sum(float(r.get("percent", 0.0)) for r in trusted) / len(trusted) if trusted else 0.0
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{_esc(title)}</h1>",
             f"<p class='sub'>{len(exercises)} exercise(s); isolation: {_esc(report.get('isolation', 'unknown'))}</p>",
             "<div class='cards'>",
             f"<div class='card' id='graded'><b>{len(graded)}</b>learners graded</div>",
             f"<div class='card'><b>{mean:.1f}%</b>mean score (trusted)</div>",
             f"<div class='card' id='skipped-count'><b>{len(skipped)}</b>entries not graded</div>",
             f"<div class='card{' warn' if flagged else ''}' id='flagged-count'><b>{len(flagged)}</b>"
             f"flagged for review</div>",
             f"<div class='card' id='grading-time'><b>{float(report.get('elapsed', 0.0)):.0f} s</b>grading time</div>",
             "</div>"]
    if trusted and exercises:
        parts.append("<h2 id='plots'>Scores</h2>")
        parts += _plots(trusted, exercises)
    parts.append("<h2 id='exercises'>Pass rate per exercise and per test</h2>")
    parts.append("<p class='sub'>Trusted results only. Open an exercise to see each test and the feedback "
                 "messages learners got most often (counts; no names).</p>")
    parts.append("<table><tr><th>exercise</th><th>solved fully</th><th>mean score</th><th>tests</th></tr>")
    n = max(1, len(trusted))
    for e in exercises:
        solved = sum(1 for r in trusted if r["scores"].get(e) == 1.0)
        avg = sum(float(r["scores"].get(e, 0.0)) for r in trusted) / n
        count = len({t["test"] for r in trusted for t in r.get("tests", []) if t.get("exercise") == e})
        parts.append(f"<tr><td>{_esc(e)}</td><td class='num'>{solved} / {len(trusted)}</td>"
                     f"<td class='num'>{avg * 100:.0f}%</td><td class='num'>{count}</td></tr>")
    parts.append("</table>")
    for e in exercises:
        per_test: dict[str, list[bool]] = {}
        messages: Counter[str] = Counter()
        for r in trusted:
            for t in r.get("tests", []):
                if t.get("exercise") != e:
                    continue
                per_test.setdefault(t["test"], []).append(t.get("outcome") == "passed")
                if t.get("outcome") != "passed" and t.get("message"):
                    messages[str(t["message"])[:240]] += 1
        if not per_test:
            continue
        parts.append(f"<details class='exercise' data-exercise='{_esc(e)}'><summary>{_esc(e)}</summary>")
        parts.append("<table><tr><th>test</th><th>passed</th></tr>")
        for test, results in per_test.items():
            rate = sum(results) / len(results) * 100
            parts.append(f"<tr><td>{_esc(test)}</td><td class='num'>{rate:.0f}% ({sum(results)}/{len(results)})</td></tr>")
        parts.append("</table>")
        if messages:
            parts.append("<table class='messages'><tr><th>most frequent feedback</th><th>times</th></tr>")
            for message, times in messages.most_common(MAX_MESSAGES):
                parts.append(f"<tr><td>{_esc(message)}</td><td class='num'>{times}</td></tr>")
            parts.append("</table>")
        parts.append("</details>")
    flags = _flags(learners)
    parts.append("<h2 id='flags'>Flags: time limits, crashes, tampering, isolation</h2>")
    if flags:
        parts.append("<table><tr><th>learner</th><th>flag</th><th>details</th></tr>")
        for learner, flag, details in flags:
            cls = " class='warn'" if flag == "possible tampering" else ""
            parts.append(f"<tr><td>{_esc(learner)}</td><td{cls}>{_esc(flag)}</td><td>{_esc(details)}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("<h2 id='skipped'>Entries not graded</h2>")
    if skipped:
        parts.append("<table><tr><th>entry</th><th>why</th></tr>")
        for item in skipped:
            parts.append(f"<tr><td>{_esc(item.get('entry', ''))}</td><td>{_esc(item.get('why', ''))}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p>None: every entry was graded.</p>")
    parts.append(f"<p class='sub'>Graded in {float(report.get('elapsed', 0.0)):.1f} s. Written by "
                 f"<code>python -m course_utils.grade</code>; the numbers are in the CSV and JSON beside it.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(report: dict[str, Any], path: Path, *, title: str = "Class report") -> Path:
    path.write_text(build(report, title=title), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_utils.class_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the JSON report written by grade --json")
    parser.add_argument("--out", type=Path, default=Path("class-report.html"))
    args = parser.parse_args(argv)
    write(json.loads(args.report.read_text(encoding="utf-8")), args.out)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
