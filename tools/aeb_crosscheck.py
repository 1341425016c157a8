"""Check that ``newsflow eval`` scores AEB as AEB's own ``evaluate.py`` does.

Zyte's article-extraction-benchmark ships the predictions of many extractors
(``output/*.json``) and the script that scored them. This tool scores each prediction file twice,
with their ``evaluate.evaluate`` (imported from the benchmark's folder, not copied) and with
``crawler.quality.scoring`` (the pages loaded by ``crawler.quality.corpus``), and prints both.

    git --git-dir=REPO archive HEAD | tar -x -C /tmp/aeb    # the benchmark's public repository
    PYTHONPATH=. .venv/bin/python tools/aeb_crosscheck.py /tmp/aeb
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from crawler.quality.corpus import Case, load_corpus
from crawler.quality.scoring import Prediction, score_page, shingle_summary

NAMES = ("precision", "recall", "f1", "accuracy")


def load_theirs(root: Path) -> ModuleType:
    """The benchmark's ``evaluate.py``, as a module."""
    spec = importlib.util.spec_from_file_location("aeb_evaluate", root / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no evaluate.py in {root}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ours(cases: list[Case], prediction: dict[str, dict[str, str | None]]) -> tuple[float, ...]:
    """P, R, F1, accuracy of one prediction file, scored by ``newsflow eval``'s code."""
    scores = [
        score_page(c, Prediction(body=prediction[c.name].get("articleBody") or ""), 0.0)
        for c in cases
    ]
    return tuple(v if v is not None else float("nan") for v in shingle_summary(scores))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="the benchmark's files (ground-truth.json, ...)")
    args = parser.parse_args(argv)
    theirs = load_theirs(args.root)
    cases = load_corpus(args.root)
    ground_truth = theirs.load_json(args.root / "ground-truth.json")
    if len(cases) != len(ground_truth):
        raise SystemExit(f"{len(cases)} pages loaded, {len(ground_truth)} in the ground truth")
    print(f"{'':<22}{'source':<8}" + "".join(f"{n:>11}" for n in NAMES))
    worst = 0.0
    for path in sorted((args.root / "output").glob("*.json")):
        prediction, _ = theirs.load_prediction(path)
        metrics = theirs.evaluate(ground_truth, prediction, n_bootstrap=0)
        expected = tuple(metrics[n] for n in NAMES)
        got = ours(cases, prediction)
        worst = max(worst, *(abs(a - b) for a, b in zip(expected, got, strict=True)))
        for source, values in (("AEB", expected), ("newsflow", got)):
            print(f"{path.stem:<22}{source:<8}" + "".join(f"{v:>11.6f}" for v in values))
    print(f"largest difference: {worst:.2e}")
    return 0 if worst < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
