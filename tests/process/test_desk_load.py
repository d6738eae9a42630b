"""The process benches' shared counting (bench/desk_load.py), and that each bench that
uses it still starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.desk_load import Line, reordered
from tests.process.test_instances import ROOT


def line(sender: str, n: int, to: int, call: int) -> Line:
    return Line(sender, n, to, 0.0, seen=[(0.0, call, 0)])


def test_a_line_that_overtakes_an_earlier_one_of_its_sender_and_chat_is_reordered():
    lines = [
        line("c1", 0, 10, call=1),
        line("c1", 2, 10, call=2),  # overtakes 1
        line("c1", 1, 10, call=3),
        line("c1", 3, 11, call=0),  # another chat: its own stream
        line("c2", 0, 10, call=0),  # another sender: its own stream
        Line("c1", 4, 10, 0.0),  # never arrived: neither in order nor out of it
    ]

    assert reordered(lines) == 1


@pytest.mark.parametrize("bench", ["delivery", "failover", "chaos"])
def test_the_bench_starts(bench: str):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{bench}.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "--database-url" in done.stdout
