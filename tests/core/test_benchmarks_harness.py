"""``python -m benchmarks``: runs every benchmark module, survives a failing one, and ends
with one flat JSON object. (It checks the harness, never a speed.)"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import benchmarks
from benchmarks import __main__ as harness

MODULES = {
    "zz_alpha.py": "def run():\n    return {'zz_alpha.work.s': 0.5, 'zz_alpha.count.n': 3}\n",
    "zz_broken.py": "def run():\n    raise RuntimeError('benchmark bug')\n",
    "zz_import.py": "raise ImportError('missing dependency')\n",
    "zz_helper.py": "VALUE = 1  # a module without run() is no benchmark\n",
    "zz_prefix.py": ("def run(only=None):\n"
                     "    return {'zz_prefix.a.s': 1.0, 'zz_prefix.b.s': 2.0,"
                     " 'zz_prefix.only.text': 0.0 if only is None else len(only)}\n"),
    "zz_nan.py": "def run():\n    return {'zz_nan.value.s': float('nan')}\n",
    "zz_own.py": "def run():\n    return {'zz_own.setup.error': 1.0, 'zz_own.kept.s': 4.0}\n",
}


@pytest.fixture
def fake_benchmarks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name, text in MODULES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(benchmarks, "__path__", [*benchmarks.__path__, str(tmp_path)])
    yield tmp_path
    for name in MODULES:
        sys.modules.pop(f"benchmarks.{name[:-3]}", None)


def last_json(out: str) -> dict[str, float]:
    lines = out.strip().splitlines()
    figures = json.loads(lines[-1])
    assert isinstance(figures, dict)
    return figures


def test_every_module_runs_and_a_failing_one_is_reported_without_stopping_the_rest(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz"]) == 1
    captured = capsys.readouterr()
    assert last_json(captured.out) == {
        "zz_alpha.work.s": 0.5, "zz_alpha.count.n": 3.0,
        "zz_broken.error": 1.0, "zz_import.error": 1.0, "zz_nan.error": 1.0,
        "zz_own.setup.error": 1.0, "zz_own.kept.s": 4.0,
        "zz_prefix.a.s": 1.0, "zz_prefix.b.s": 2.0, "zz_prefix.only.text": 2.0}
    assert "RuntimeError: benchmark bug" in captured.err
    assert "ImportError: missing dependency" in captured.err
    assert "not a finite number" in captured.err


def test_a_run_with_any_error_exits_non_zero_and_names_the_failed_benchmarks(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz_own"]) == 1
    captured = capsys.readouterr()
    assert last_json(captured.out) == {"zz_own.setup.error": 1.0, "zz_own.kept.s": 4.0}
    assert captured.err.strip().splitlines()[-1].startswith(
        "python -m benchmarks: zz_own.setup failed")
    assert harness.main(["--only", "zz_broken"]) == 1
    assert "zz_broken failed; see the tracebacks" in capsys.readouterr().err


def test_a_run_without_errors_exits_zero(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz_alpha"]) == 0
    assert "failed" not in capsys.readouterr().err


def test_a_dotted_prefix_keeps_only_the_matching_keys(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "zz_prefix.a"]) == 0
    assert last_json(capsys.readouterr().out) == {"zz_prefix.a.s": 1.0}


def test_a_prefix_that_matches_nothing_is_one_clear_line(
        fake_benchmarks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert harness.main(["--only", "nothing_like_this"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("no benchmark matches 'nothing_like_this'")


def test_the_real_package_holds_the_decode_benchmark() -> None:
    assert "decode" in harness.benchmark_modules()
    assert "__main__" not in harness.benchmark_modules()


# -- --compare: this run beside a saved earlier one ------------------------------------------


def test_compare_prints_each_figure_beside_the_saved_run_and_ends_with_the_json(
        fake_benchmarks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "earlier.txt"
    saved.write_text("benchmark zz_alpha ...\n"
                     + json.dumps({"zz_alpha.work.s": 0.25, "zz_alpha.gone.s": 7.0,
                                   "other.kept.s": 1.0}) + "\n")
    assert harness.main(["--only", "zz_alpha", "--compare", str(saved)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1]) == {"zz_alpha.work.s": 0.5, "zz_alpha.count.n": 3.0}
    lines = {line.split()[0]: line.split()[1:] for line in out[1:-1]}
    assert lines == {"zz_alpha.work.s": ["0.25", "->", "0.5", "x2"],
                     "zz_alpha.count.n": ["new", "->", "3"],
                     "zz_alpha.gone.s": ["7", "->", "not", "measured"]}
    assert str(saved) in out[0]


@pytest.mark.parametrize(("content", "says"), [
    (None, "cannot read the saved run"),
    ("benchmark decode ...\nTraceback (most recent call last):\n", "holds no figures"),
    ('{"decode.x.MBps": "fast"}\n', "is not a figure"),
])
def test_compare_with_an_unusable_file_is_one_clear_line_before_anything_runs(
        fake_benchmarks: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: str | None, says: str) -> None:
    saved = tmp_path / "earlier.json"
    if content is not None:
        saved.write_text(content)
    assert harness.main(["--only", "zz_alpha", "--compare", str(saved)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and says in err[0] and "benchmark zz_alpha" not in captured.err


def test_a_comparison_line_gives_earlier_now_and_the_multiple() -> None:
    from benchmarks._compare import change, comparison

    assert comparison({"a.s": 2.0}, {"a.s": 1.0}) == ["a.s           2 -> 1           x0.5"]
    assert change(0.0, 1.0) == "-" and change(3.0, 3.0) == "x1"


def test_load_saved_takes_the_last_json_object_of_a_whole_saved_output(tmp_path: Path) -> None:
    from benchmarks._compare import load_saved

    saved = tmp_path / "run.txt"
    saved.write_text('{"old.s": 1}\nbenchmark x ...\n{"a.s": 2, "b.n": 3.5}\n\n')
    assert load_saved(saved) == {"a.s": 2.0, "b.n": 3.5}


# -- every benchmark reports its floor from the same run and the ratio -------------------------


def test_decode_reports_the_scan_floor_and_the_ratio_for_a_driver(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import decode

    monkeypatch.setattr(decode, "REPEATS", 1)
    figures = decode.run(only="decode.masimo-ascii")
    assert set(figures) == {"decode.masimo-ascii.MBps", "decode.masimo-ascii.scan.MBps",
                            "decode.masimo-ascii.vs_scan_ratio"}
    assert figures["decode.masimo-ascii.vs_scan_ratio"] == pytest.approx(
        figures["decode.masimo-ascii.scan.MBps"] / figures["decode.masimo-ascii.MBps"])


def test_every_built_in_driver_format_has_a_delimiter_found_in_its_own_capture(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import decode
    from ketaconsole.devices.registry import DriverRegistry, built_ins_only

    monkeypatch.setattr(decode, "SIMULATED_SECONDS", 120.0)  # a short conversation will do
    decode.synthetic_capture.cache_clear()

    names = []
    for item in DriverRegistry.discover(allowed=built_ins_only).installed():
        slug = item.driver.info.slug
        if item.driver.create_simulator is None or item.distribution != "ketaconsole":
            continue  # a plugin's frames are taken to be lines (DEFAULT_DELIMITER)
        for variant in (None, *decode.VARIANTS.get(slug, {})):
            name = slug if variant is None else f"{slug}-{variant}"
            names.append(name)
            capture = decode.synthetic_capture(slug, 20_000, variant)
            # Every frame of these drivers is shorter than 1000 bytes and holds one.
            assert capture.count(decode.DELIMITERS[name]) >= len(capture) // 1000, name
    decode.synthetic_capture.cache_clear()
    assert set(names) == set(decode.DELIMITERS)


def test_export_reports_each_format_against_reading_the_same_rows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import export

    monkeypatch.setattr(export, "HOURS", 1)
    monkeypatch.setattr(export, "REPEATS", 1)
    figures = export.run()
    assert figures["export.read_plain.s"] > 0 and figures["export.read_plain_waves.s"] > 0
    for fmt in export.IV_FORMATS:
        floor = figures["export.read_plain_waves.s" if fmt.value in export.WAVE_FORMATS
                        else "export.read_plain.s"]
        assert figures[f"export.{fmt.value}.vs_read_ratio"] == pytest.approx(
            figures[f"export.{fmt.value}.s"] / floor)


def test_security_benchmark_sets_up_with_a_pin_the_rule_accepts_and_reports_every_figure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import security

    monkeypatch.setattr(security, "REPEATS", 1)
    monkeypatch.setattr(security, "AUDIT_ENTRIES", 20)
    figures = security.run()
    assert set(figures) == {"security.login.ms", "security.pin_verify.ms",
                            "security.pin_verify_default_cost.ms",
                            "security.pin_verify.vs_default_ratio",
                            "security.audit_append.per_s", "security.audit_verify_1000.ms"}
    assert figures["security.pin_verify.vs_default_ratio"] == pytest.approx(
        figures["security.pin_verify.ms"] / figures["security.pin_verify_default_cost.ms"])
