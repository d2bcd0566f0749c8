"""Measured figures for KetaConsole: ``python -m benchmarks`` runs every benchmark module.

A benchmark module in this package defines ``run() -> dict[str, float]`` (optionally
``run(only=PREFIX)``) whose keys are dotted names ending in their unit, e.g.
``decode.masimo-ascii.MBps``. Benchmarks measure; they never pass or fail. Targets are
in BENCHMARKS.md.
"""
