"""The command line's shape (each command's own behaviour is tested with its module)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gancourse.cli import build_parser, main


def test_help_lists_the_commands():
    text = build_parser().format_help()
    for command in ("doctor", "train"):
        assert command in text


def test_unknown_command_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["paint-me-a-picture"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_module_entry_point_runs():
    proc = subprocess.run(
        [sys.executable, "-m", "gancourse", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and "doctor" in proc.stdout
