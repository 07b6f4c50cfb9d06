"""Throughput of the reply annotator, through annotate() and through `ehlo explain --jsonl`.

Run from a checkout:  python tests/benchmarks/explain_throughput.py [--seconds 5] [--instructions]

What is measured (one core, the load average is printed alongside, since a busy machine
slows everything):
- annotate(), replies new to it (the headline, target >= 20,000 replies/s): passes over the
  corpus with annotate()'s memory of earlier results cleared before every pass, so every
  call reads, matches and explains its reply. The knowledge base is loaded, the patterns a
  pass needs are compiled, and the tables derived from the knowledge base on first use
  (the index bits of each word, what follows from each code, stage and verdict) are filled,
  as in any process that has annotated the corpus once. Best and median pass; and the
  median pass scaled to the machine's best speed, from a fixed reference workload timed
  next to every pass (on a machine whose speed varies from second to second, this shows
  whether the best pass is typical).
- annotate(), first pass in this process: the same, while patterns are compiled and tables
  filled on first use (a one-off cost of each process).
- annotate(), corpus in a loop: repeated replies, answered from annotate()'s memory.
- with --instructions: machine instructions per reply, counted by valgrind's callgrind (a
  measure that other processes on the machine do not disturb): a pass over the corpus as
  above, and the held-out replies (tests/data/reply-heldout.toml) first seen after it, with
  patterns compiled on first use and compiled beforehand.
- with --distinct N: N replies made of random tokens (every reply and most words new, the
  worst case for annotate()'s memories): replies/s and how much peak memory grew.
- `ehlo explain --jsonl`: a whole process, knowledge loading included, the corpus piped in.
- `ehlo explain REPLY`: one process on one reply (target < 250 ms), best and median wall
  clock of several runs, and CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tui"))

SAMPLE = [
    ("550 5.1.1 <u@example.net>: Recipient address rejected: User unknown in local recipient table",
     "rcpt"),
    ("421-4.7.0 [192.0.2.1] Our system has detected that this message is suspicious due\n"
     "421 4.7.0 to the very low reputation of the sending IP address. - gsmtp", "end-of-data"),
    ("450 4.2.0 <u@example.net>: Recipient address rejected: Greylisted, see "
     "http://postgrey.schweikert.ch/help/example.net.html", "rcpt"),
    ("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
     "rcpt"),
    ("250 2.0.0 Ok: queued as 4Zr3xY1234z", "end-of-data"),
    ("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "rcpt"),
    ("535 5.7.8 Username and Password not accepted. - gsmtp", "auth"),
    ("530 5.7.0 Must issue a STARTTLS command first", "mail"),
]  # fmt: skip


def load_corpus(given: Path | None = None) -> list[tuple[str, str | None]]:
    """The evaluation corpus (tests/data/reply-corpus.*) if present, else a built-in sample."""
    paths = [given] if given else sorted((ROOT / "tests" / "data").glob("reply-corpus.*"))
    for path in paths:
        if path.suffix == ".toml":
            with path.open("rb") as handle:
                items = tomllib.load(handle).get("reply", [])
        elif path.suffix in (".jsonl", ".json"):
            text = path.read_text(encoding="utf-8")
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            continue
        corpus = [(str(item["reply"]), item.get("stage")) for item in items]
        if corpus:
            print(f"corpus: {path} ({len(corpus)} replies)")
            return corpus
    print(f"corpus: built-in sample ({len(SAMPLE)} replies)")
    return SAMPLE


def _reference_seconds() -> float:
    """Seconds a fixed pure-Python workload takes now: how fast the machine runs this moment."""
    start = time.perf_counter()
    total = 0
    for number in range(20_000):
        total += number * number
    return time.perf_counter() - start


class FunctionRates(NamedTuple):
    """Replies/s through annotate(), and how steady the machine was meanwhile."""

    best: float
    median: float
    adjusted: float
    """The median pass scaled to the machine's best speed (see bench_function)."""
    spread: float
    """The reference workload's median time over its best: 1.0 on a steady machine."""
    first: float
    remembered: float


def bench_function(corpus: list[tuple[str, str | None]], seconds: float) -> FunctionRates:
    """Replies/s: new replies (memory cleared each pass; best and median pass), the first
    pass, and repeated replies.

    A fixed reference workload is timed before and after every pass. A pass that ran while
    the machine was slowed by other work takes longer and so does the reference next to it:
    scaling each pass by its reference time over the reference's best time gives the median
    pass as it would run on the machine at its best, which shows whether the best pass is
    typical or lucky.
    """
    from ehlo.knowledge import annotate
    from ehlo.knowledge.annotation import clear_cache

    annotate("250 ok", "noop")  # load the knowledge base outside the measurement
    start = time.perf_counter()
    for reply, stage in corpus:
        annotate(reply, stage)
    first = len(corpus) / (time.perf_counter() - start)
    passes: list[tuple[float, float]] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        before = _reference_seconds()
        clear_cache()
        start = time.perf_counter()
        for reply, stage in corpus:
            annotate(reply, stage)
        rate = len(corpus) / (time.perf_counter() - start)
        passes.append((rate, (before + _reference_seconds()) / 2))
    fastest = min(reference for _, reference in passes)
    rates = sorted(rate for rate, _ in passes)
    adjusted = sorted(rate * reference / fastest for rate, reference in passes)
    references = sorted(reference for _, reference in passes)
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for reply, stage in corpus:
            annotate(reply, stage)
        count += len(corpus)
    return FunctionRates(
        best=rates[-1],
        median=rates[len(rates) // 2],
        adjusted=adjusted[len(adjusted) // 2],
        spread=references[len(references) // 2] / fastest,
        first=first,
        remembered=count / (time.perf_counter() - start),
    )


_COUNTED = """
import json, os, subprocess, sys
from ehlo.knowledge import annotate
from ehlo.knowledge.annotation import clear_cache
mode = sys.argv[1]
given = json.load(sys.stdin)
corpus, heldout = given["corpus"], given["heldout"]
def one_pass(replies):
    for reply, stage in replies:
        clear_cache()
        annotate(reply, stage)
one_pass(corpus)
one_pass(corpus)
measured = corpus
if mode != "corpus":
    measured = heldout
    if mode == "compiled":
        from ehlo.knowledge.loader import knowledge
        from ehlo.knowledge.providers import _marker_index
        for index in (knowledge().index, knowledge().wording, _marker_index()):
            index.compile_all()
subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True)
one_pass(measured)
subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True)
"""


class Instructions(NamedTuple):
    """Machine instructions per reply, counted by valgrind's callgrind."""

    corpus: float
    """A pass over the corpus in a process that has annotated it before (as the timed passes)."""
    heldout: float
    """The held-out replies, first seen after the corpus: their words, codes and patterns are
    partly new (patterns not met before are compiled on first use, as in any process)."""
    heldout_compiled: float
    """The same with every pattern compiled beforehand (a process that has run a long time)."""


def bench_instructions(corpus: list[tuple[str, str | None]]) -> Instructions | None:
    """Instructions per reply: the same on a busy machine as on an idle one. None without
    valgrind. Each figure includes the cost of switching the count on and off (about
    500,000 instructions, under 1% of a corpus pass)."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        return None
    with (ROOT / "tests" / "data" / "reply-heldout.toml").open("rb") as handle:
        heldout = [(r["reply"], r.get("stage")) for r in tomllib.load(handle)["reply"]]
    payload = json.dumps({"corpus": corpus, "heldout": heldout})
    figures: list[float] = []
    for mode, count in (("corpus", len(corpus)), ("heldout", len(heldout)),
                        ("compiled", len(heldout))):  # fmt: skip
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no",
             "--callgrind-out-file=/dev/null", sys.executable, "-c", _COUNTED, mode],
            input=payload, capture_output=True, text=True, env=_env(), check=False,
        )  # fmt: skip
        found = re.search(r"Collected : (\d+)", done.stderr)
        if not found or done.returncode != 0:
            return None
        figures.append(int(found.group(1)) / count)
    return Instructions(*figures)


def bench_distinct(count: int) -> tuple[float, float]:
    """Replies/s and peak memory growth (MB) over `count` replies that share no tokens: random
    queue ids, hosts, IPs and enhanced codes, so every reply and most of its words are new.
    The worst case for annotate()'s memories, which must stay bounded."""
    import random
    import resource
    import string

    from ehlo.knowledge import annotate

    annotate("250 ok", "noop")
    chance = random.Random(3)
    alphabet = string.ascii_lowercase + string.digits

    def token() -> str:
        return "".join(chance.choice(alphabet) for _ in range(chance.randint(4, 12)))

    replies = []
    for _ in range(count):
        code = chance.choice(["550", "451", "554", "421", "250"])
        enhanced = f"{code[0]}.{chance.randint(0, 9)}.{chance.randint(0, 999)}"
        address = ".".join(str(chance.randint(1, 223)) for _ in range(4))
        replies.append(
            (
                f"{code} {enhanced} {token()} {token()} user unknown {token()} "
                f"queued as {token()} from [{address}]",
                chance.choice([None, "rcpt", "mail", "end-of-data"]),
            )
        )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    for reply, stage in replies:
        annotate(reply, stage)
    elapsed = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    return count / elapsed, grown


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tui"), env.get("PYTHONPATH")]))
    return env


def bench_jsonl(corpus: list[tuple[str, str | None]], repeat: int) -> float:
    """Replies/s through one `ehlo explain --jsonl` process, process start included."""
    lines = [json.dumps({"reply": r, "stage": s}) for r, s in corpus] * repeat
    payload = "\n".join(lines) + "\n"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "ehlo", "explain", "--jsonl"],
        input=payload, capture_output=True, text=True, env=_env(), check=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    assert len(done.stdout.splitlines()) == len(lines)
    return len(lines) / elapsed


def bench_single(runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of whole `ehlo explain REPLY` processes."""
    import resource

    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ehlo", "explain", "550 5.1.1 <u@example.net>: User unknown"],
            capture_output=True, env=_env(), check=True,
        )  # fmt: skip
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the loop measurement")
    parser.add_argument("--repeat", type=int, default=20, help="corpus copies piped to --jsonl")
    parser.add_argument("--runs", type=int, default=7, help="single-reply process runs")
    parser.add_argument(
        "--corpus", type=Path, help="a reply corpus (.toml with [[reply]] or .jsonl)"
    )
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count instructions per new reply with valgrind (steady on a busy machine)",
    )
    parser.add_argument(
        "--distinct",
        type=int,
        default=0,
        metavar="N",
        help="also annotate N replies of random tokens (all new) after the corpus: speed and "
        "memory growth",
    )
    args = parser.parse_args()
    corpus = load_corpus(args.corpus)
    print(f"load average: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    rates = bench_function(corpus, args.seconds)
    print(
        f"annotate(), replies new to it:              {rates.best:>10,.0f} replies/s best pass, "
        f"{rates.median:,.0f} median  (target >= 20,000)"
    )
    print(
        f"  median pass at the machine's best speed:  {rates.adjusted:>10,.0f} replies/s "
        f"(reference workload's median time {rates.spread:.2f} x its best)"
    )
    print(f"annotate(), first pass in this process:     {rates.first:>10,.0f} replies/s")
    print(f"annotate(), corpus in a loop (remembered):  {rates.remembered:>10,.0f} replies/s")
    if args.instructions:
        counted = bench_instructions(corpus)
        if counted is None:
            print("instructions: valgrind (callgrind_control) is not installed")
        else:
            print(f"valgrind instructions per reply, new replies: {counted.corpus:>10,.0f}")
            print(f"  held-out replies first seen after the corpus: {counted.heldout:>10,.0f}")
            compiled = counted.heldout_compiled
            print(f"  the same, patterns compiled beforehand:       {compiled:>10,.0f}")
    if args.distinct:
        rate, grown = bench_distinct(args.distinct)
        print(
            f"annotate(), {args.distinct:,} replies sharing no tokens: {rate:>8,.0f} replies/s, "
            f"peak memory grew {grown:.1f} MB"
        )
    jsonl = bench_jsonl(corpus, args.repeat)
    print(f"ehlo explain --jsonl, whole process:        {jsonl:>10,.0f} replies/s")
    walls, cpus = (sorted(values) for values in bench_single(args.runs))
    print(
        f"ehlo explain REPLY, one process:            {walls[0] * 1000:>10.0f} ms best, "
        f"{walls[len(walls) // 2] * 1000:.0f} ms median wall clock  (target < 250 ms)"
    )
    print(f"                               CPU time:    {cpus[0] * 1000:>10.0f} ms best")


if __name__ == "__main__":
    main()
