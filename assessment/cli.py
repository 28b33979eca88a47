"""Command line: ``python -m assessment score INPUT.csv [--framework ID] [--points] [-o OUT.csv]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assessment.config import settings
from assessment.framework import Framework, FrameworkError, available_frameworks, load_framework
from assessment.tabular import ID_COLUMN, SheetError, parse_sheet, read_csv_text

SCORE_HELP = """\
Score answer sheets from a CSV file, one firm per row.

Input: UTF-8 CSV. The first column is firm_id; then one column per criterion id of the
framework, numbered as in the reference (1.1.1 ... 6.1.7 for the 2021 SME DBI); column order does
not matter, every criterion is required.

Cells hold answers (default):
  choice criteria    the option number as listed on the methodology page: 0 for the first
                     option ("no / not yet"), 1 for the next, ...
  yes/no criteria    1 (yes) or 0 (no)
  share criteria     the percentage, 0-100 (e.g. 35 or 35%)
  count criteria     the whole number declared (e.g. dedicated IT staff)

With --points the cells hold points already awarded, as paper forms and other DBI tools record
them: 0-5 for each criterion, 0-25 in steps of 5 for the strategy criterion 2.1.1.

Output (CSV, to -o or standard output): firm_id, total, level, then for each pillar P1..P6:
P1_points, P1_percent, P1_level, ...

A bad cell stops the run with a message naming the row (the header is row 1), the column and the
problem; the exit code is then 1 and no output file is written.
"""


def resolve_framework(name: str | None) -> Framework:
    """A framework by file path, ``id@version`` or ``id`` (its highest version)."""
    cfg = settings()
    if name and Path(name).suffix in (".yaml", ".yml"):
        return load_framework(name)
    frameworks = available_frameworks(cfg.frameworks_dir)
    name = name or cfg.default_framework
    if name in frameworks:
        return frameworks[name]
    same_id = sorted((fw for fw in frameworks.values() if fw.id == name), key=lambda fw: fw.version)
    if same_id:
        return same_id[-1]
    raise FrameworkError(str(cfg.frameworks_dir), "", f"no framework {name!r}; available: {', '.join(sorted(frameworks))}")


def cmd_score(args: argparse.Namespace) -> int:
    fw = resolve_framework(args.framework)
    frame = read_csv_text(args.input)
    sheet = parse_sheet(fw, frame, points=args.points)
    out = sheet.score(fw).to_frame()
    out.insert(0, ID_COLUMN, sheet.firm_ids)
    if args.output:
        tmp = Path(str(args.output) + ".part")
        out.to_csv(tmp, index=False)
        tmp.replace(args.output)
        print(f"scored {len(out)} firms with {fw.key} -> {args.output}", file=sys.stderr)
    else:
        out.to_csv(sys.stdout, index=False)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assessment", description="DBI self-assessment tool")
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="score answer sheets from a CSV file", description=SCORE_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    score.add_argument("input", type=Path, help="CSV file of answer sheets")
    score.add_argument("--framework", help="framework id, id@version or a framework file (default: %(default)s)",
                       default=None)
    score.add_argument("--points", action="store_true", help="cells hold points already awarded, not answers")
    score.add_argument("-o", "--output", type=Path, help="write the results here instead of standard output")
    score.set_defaults(func=cmd_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SheetError, FrameworkError) as exc:
        print(f"error: {args.input if hasattr(args, 'input') else ''}: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename}", file=sys.stderr)
        return 1
