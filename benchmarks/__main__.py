"""Runs every benchmark module and prints all figures as one flat JSON object on the last line.

Usage: ``python -m benchmarks [--only PREFIX] [--compare FILE]``. A module is any module
of this package that defines ``run``; ``--only decode`` runs the modules whose name starts with
``decode``, and ``--only decode.masimo`` also keeps only the keys that start with it.
A module that fails to import or run is reported as ``<module>.error`` = 1 (its
traceback goes to stderr) and the others still run; a run that reports any
``<name>.error`` (a module's own included) exits 1 after printing every figure.
``--compare FILE`` first prints each figure beside the one in FILE, a saved earlier run
(see ``benchmarks._compare``).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import math
import pkgutil
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import benchmarks
from benchmarks._compare import SavedRunError, comparison, load_saved

Figures = dict[str, float]


def benchmark_modules() -> list[str]:
    """Names of the package's modules, in name order (private ones left out)."""
    return sorted(info.name for info in pkgutil.iter_modules(benchmarks.__path__)
                  if not info.name.startswith("_"))


def selected(module: str, only: str | None) -> bool:
    if only is None:
        return True
    return module.startswith(only) or only.startswith(module + ".")


def _call(run: Callable[..., Any], only: str | None) -> Any:
    accepts_only = "only" in inspect.signature(run).parameters
    return run(only=only) if accepts_only else run()


def _checked(module: str, figures: Any) -> Figures:
    if not isinstance(figures, dict):
        raise TypeError(f"{module}.run() returned {type(figures).__name__}, not a dict")
    checked: Figures = {}
    for key, value in figures.items():
        if not isinstance(key, str) or not isinstance(value, int | float):
            raise TypeError(f"{module}.run() gave {key!r}: {value!r}; keys are str, "
                            "values numbers")
        if not math.isfinite(value):
            raise ValueError(f"{module}.run() gave {key!r}: {value!r}, not a finite number")
        checked[key] = float(value)
    return checked


def run_module(module: str, only: str | None) -> Figures | None:
    """The module's figures, ``None`` if it is no benchmark; raises what the module raises."""
    loaded = importlib.import_module(f"benchmarks.{module}")
    run = getattr(loaded, "run", None)
    if not callable(run):
        return None
    figures = _checked(module, _call(run, only))
    if only is not None and "." in only:
        figures = {k: v for k, v in figures.items() if k.startswith(only)}
    return figures


def failed_benchmarks(results: Figures) -> list[str]:
    """The benchmarks that reported ``<name>.error``, in name order."""
    return sorted(key.removesuffix(".error") for key in results if key.endswith(".error"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Run the benchmarks; print figures as JSON.")
    parser.add_argument("--only", metavar="PREFIX",
                        help="run only benchmarks whose name starts with PREFIX")
    parser.add_argument("--compare", metavar="FILE", type=Path,
                        help="print each figure beside the one in FILE, the saved output "
                             "of an earlier run")
    args = parser.parse_args(argv)
    earlier: Figures | None = None
    if args.compare is not None:
        try:
            earlier = load_saved(args.compare)
        except SavedRunError as exc:
            print(f"python -m benchmarks: {exc}", file=sys.stderr)
            return 2
    results: Figures = {}
    modules = [m for m in benchmark_modules() if selected(m, args.only)]
    if not modules:
        print(f"no benchmark matches {args.only!r}; the benchmarks are: "
              f"{', '.join(benchmark_modules())}", file=sys.stderr)
        return 2
    for module in modules:
        started = time.perf_counter()
        print(f"benchmark {module} ...", file=sys.stderr, flush=True)
        try:
            figures = run_module(module, args.only)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            print(f"benchmark {module} failed; carrying on", file=sys.stderr, flush=True)
            results[f"{module}.error"] = 1.0
            continue
        if figures is None:
            continue
        results.update(figures)
        print(f"benchmark {module} done in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)
    if earlier is not None:
        print(f"compared with {args.compare}: earlier -> now  (now / earlier)")
        for line in comparison(earlier, results, args.only):
            print(line)
    print(json.dumps(results, sort_keys=True), flush=True)
    failed = failed_benchmarks(results)
    if failed:
        print(f"python -m benchmarks: {', '.join(failed)} failed; see the tracebacks above "
              "and fix them before reading the figures.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
