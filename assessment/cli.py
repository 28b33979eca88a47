"""Command line: ``python -m assessment score|roadmap|recommend INPUT.csv ...`` (see --help)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from assessment.accounts import AccountError
from assessment.backup import BackupError
from assessment.catalogue import CatalogueError, load_catalogue
from assessment.catalogue_store import CatalogueStore
from assessment.config import settings
from assessment.errors import UserError
from assessment.framework import Framework, FrameworkError, get_framework
from assessment.planning import plan_many
from assessment.roadmap import roadmaps_many
from assessment.schema import SchemaTooNew
from assessment.storage import Store
from assessment.tabular import ID_COLUMN, SheetError, parse_sheet, read_csv_text

SCORE_HELP = """\
Score answer sheets from a CSV file, one firm per row.

Input: UTF-8 CSV. The first column is firm_id; then one column per criterion id of the
framework, numbered as in the reference (1.1.1 ... 6.1.7 for the 2021 SME DBI); column order does
not matter, every criterion is required.

Cells hold answers (default), as the paper questionnaire has them: the number printed beside the
ticked box, for every kind of criterion (0 for the first box, "no / not yet"; the options are listed
on the methodology page and on the blank questionnaire, python -m assessment blank-form).
  yes/no criteria    1 (yes) or 0 (no); có/không, yes/no are read too
  share criteria     the box number, or the share written on the form with its unit (35%), or in
                     a column of its own named <id>_figure (e.g. 1.1.3_figure) holding 0-100
  count criteria     the box number, or the number written on the form in a column <id>_figure
A figure decides the box; a box given beside it must agree. Numbers may be written the Vietnamese
way (1.200,5) or the English way (1,200.5); a cell that could mean two numbers is refused.

With --points the cells hold points already awarded, as paper forms and other DBI tools record
them: 0-5 for each criterion, 0-25 in steps of 5 for the strategy criterion 2.1.1.

Output (CSV, to -o or standard output): firm_id, total, level, then for each pillar P1..P6:
P1_points, P1_percent, P1_level, ...

A bad cell stops the run with a message naming the row (the header is row 1), the column and the
problem; the exit code is then 1 and no output file is written.
"""


def resolve_framework(name: str | None) -> Framework:
    """A framework by file path, ``id@version`` or ``id`` (its highest version)."""
    return get_framework(name)


def cmd_score(args: argparse.Namespace) -> int:
    fw = resolve_framework(args.framework)
    sheet = parse_sheet(fw, read_csv_text(args.input), points=args.points)
    out = sheet.score(fw).to_frame()
    out.insert(0, ID_COLUMN, sheet.firm_ids)
    _write(out, args, f"scored {len(out)} firms with {fw.key}")
    return 0


ROADMAP_HELP = """\
For each firm of an answer sheet (the same CSV as for 'score', answers or --points), the cheapest
path to the next overall level: the fewest points to gain (ties: the fewest criteria), meeting both
the level's total and its "at least N pillars at level L" rule.

Output columns: firm_id, level, next_level, points_to_gain, n_steps, steps. 'steps' lists
criterion:from->to points, separated by '; ' (e.g. "1.1.1:0->3; 2.1.1:5->10"). A firm already at
the top level has an empty next_level.
"""

RECOMMEND_HELP = """\
For each firm of an answer sheet (the same CSV as for 'score'), the top published entries of the
department's platform catalogue, ranked by how much they shorten the path to the next level, then
by the points they could add; at most 2 per category; with the reasons in --lang.

Optional profile columns beside the criteria: sector (VSIC 2018 section letter, e.g. G) and
size_class (micro, small, medium); entries that do not fit are left out.

The catalogue is the one in the database (DBI_DATABASE_URL; seeded from the shipped file when
empty) unless --catalogue names a catalogue YAML file.
Output columns: firm_id, rank, entry_id, name, category, roadmap_points, potential_points, reasons.
"""

PROFILE_COLUMNS = ("sector", "size_class")


def _read_sheet(fw: Framework, args: argparse.Namespace):
    return parse_sheet(fw, read_csv_text(args.input), points=args.points, profile_columns=PROFILE_COLUMNS)


def _write(out, args: argparse.Namespace, what: str) -> None:
    """Every CSV the CLI writes goes through the one formula-safe export path."""
    from assessment import exports

    exports.write_csv(out, args.output or None)
    if args.output:
        print(f"{what} -> {args.output}", file=sys.stderr)


def cmd_roadmap(args: argparse.Namespace) -> int:
    fw = resolve_framework(args.framework)
    sheet = _read_sheet(fw, args)
    roads = roadmaps_many(fw, sheet.score(fw).criterion_points)
    rows = []
    for i, firm_id in enumerate(sheet.firm_ids):
        road = roads.roadmap(i)
        rows.append({
            "firm_id": firm_id, "level": road.level,
            "next_level": "" if road.target_level is None else road.target_level,
            "points_to_gain": road.points_to_gain if road.reachable else "",
            "n_steps": len(road.steps),
            "steps": "; ".join(f"{s.criterion_id}:{s.from_points}->{s.to_points}" for s in road.steps),
        })
    _write(pd.DataFrame(rows), args, f"roadmaps for {len(rows)} firms")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    fw = resolve_framework(args.framework)
    sheet = _read_sheet(fw, args)
    if args.catalogue:
        entries = load_catalogue(args.catalogue, fw).published()
    else:
        cat = CatalogueStore(Store.open(), fw)
        cat.seed_if_empty()
        entries = cat.published()
    scores = sheet.score(fw)
    points = scores.criterion_points
    # roadmaps and rankings together (in two processes for a large sheet): reasons name roadmap steps
    plan = plan_many(fw, entries, points, size_classes=sheet.profile.get("size_class"),
                     sectors=sheet.profile.get("sector"), top=args.top)
    rows = []
    for i, firm_id in enumerate(sheet.firm_ids):
        firm_points = dict(zip(fw.criterion_ids, map(int, points[i])))
        for rank, rec in enumerate(plan.ranking.for_firm(fw, i, firm_points, plan.roadmaps.roadmap(i)), start=1):
            rows.append({
                "firm_id": firm_id, "rank": rank, "entry_id": rec.entry.id, "name": rec.entry.name,
                "category": rec.entry.category, "roadmap_points": rec.roadmap_points,
                "potential_points": rec.potential_points,
                "reasons": " | ".join(rec.reasons(fw, args.lang, int(scores.level[i]))),
            })
    columns = ["firm_id", "rank", "entry_id", "name", "category", "roadmap_points", "potential_points", "reasons"]
    _write(pd.DataFrame(rows, columns=columns), args, f"recommendations for {len(sheet.firm_ids)} firms")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from collections import Counter

    from assessment import demo

    if not 1 <= args.firms <= demo.MAX_FIRMS:
        print(f"error: --firms must be between 1 and {demo.MAX_FIRMS}", file=sys.stderr)
        return 1
    fw = resolve_framework(args.framework)
    cfg = settings()
    store = Store.from_url(cfg.database_url)
    catalogue = CatalogueStore(store, fw)
    catalogue.seed_if_empty()
    entries = catalogue.published()
    levels: Counter = Counter()
    written = 0
    started = time.monotonic()
    chunk = max(1, args.chunk or demo.CHUNK)
    if args.firms <= chunk:  # one transaction: the old demo stays until the new one is in
        firms = demo.generate(fw, args.firms, seed=args.seed, entries=entries)
        written = store.replace_demo(fw, firms, entries)
        levels.update(int(x) for x in demo.scores_of(fw, firms).level)
    else:  # chunk by chunk, each in its own transaction, memory flat; a progress line on stderr
        store.clear_demo()
        done = 0
        try:  # the cube and the platforms' counts rebuilt once at the end, also when cut short
            for firms in demo.generate_chunks(fw, args.firms, seed=args.seed, chunk=chunk, entries=entries):
                written += store.add_demo(fw, firms, entries, counted=False)
                levels.update(int(x) for x in demo.scores_of(fw, firms).level)
                done += len(firms)
                _progress(done, args.firms, started)
        finally:
            print(f"\ncounting the department's figures for {done:,} firms ...", file=sys.stderr, flush=True)
            store.recount()
    # the province's communes, weighted; the platforms firms use, from the published catalogue
    print(f"demo province: {args.firms} firms, {written} submitted assessments ({fw.key}, seed {args.seed}) "
          f"in {cfg.database_url} ({time.monotonic() - started:.0f} s)")
    print("levels now: " + ", ".join(f"{lv}: {levels.get(lv, 0)}" for lv in range(fw.max_level + 1)))
    return 0


def _progress(done: int, total: int, started: float) -> None:
    """One line on stderr, rewritten in place: a bar, firms written, elapsed and remaining time."""
    share = done / total
    elapsed = time.monotonic() - started
    left = elapsed / share - elapsed if share else 0
    bar = "#" * int(30 * share)
    print(f"\r[{bar:<30}] {done:,}/{total:,} firms ({100 * share:.0f} %), {elapsed:.0f} s, about {left:.0f} s left",
          end="", file=sys.stderr, flush=True)


def cmd_recount(args: argparse.Namespace) -> int:
    started = time.monotonic()
    Store.open().recount()
    print(f"recounted the department's figures and the platforms' counts ({time.monotonic() - started:.0f} s)")
    return 0


def cmd_platforms(args: argparse.Namespace) -> int:
    from assessment import inventory
    from assessment.firms import areas, localities, sectors, size_classes
    from assessment.recommend import category_name

    fw = resolve_framework(args.framework)
    store = Store.open()
    entries = CatalogueStore(store, fw).published()
    a = inventory.read_adoption(store, fw, entries, by=args.by or "area", lang=args.lang, year=args.year)
    print(f"{a.n_firms} firms with a submitted assessment of {fw.key}{f' in {args.year}' if args.year else ''}; "
          f"{a.n_declared} listed the platforms they use (shares below are of those)", file=sys.stderr)
    rows = [{"breakdown": "category", "group": "", "group_name": "", "category": r.category,
             "category_name": category_name(r.category, args.lang), "entry_id": "", "name": "",
             "firms_in_group": a.n_declared, "firms": r.firms, "share": r.share}
            for r in a.by_category.itertuples()]
    rows += [{"breakdown": "entry", "group": "", "group_name": "", "category": r.category,
              "category_name": category_name(r.category, args.lang) if r.category else "", "entry_id": r.entry_id,
              "name": r.name, "firms_in_group": a.n_declared, "firms": r.firms, "share": r.share}
             for r in a.by_entry.itertuples()]
    if args.by:
        names = {"area": {x.code: x.name for x in areas().values()},
                 "commune": {code: loc.name for code, loc in localities().items()},
                 "sector": {code: sec.name(args.lang) for code, sec in sectors("2025").items()},
                 "size": {sid: sc.name(args.lang) for sid, sc in size_classes().items()}}.get(args.by, {})
        rows += [{"breakdown": args.by, "group": r.group,
                  "group_name": names.get(r.group, fw.level_name(int(r.group), args.lang) if args.by == "level"
                                          else r.group),
                  "category": r.category, "category_name": category_name(r.category, args.lang), "entry_id": "",
                  "name": "", "firms_in_group": r.firms_in_group, "firms": r.firms, "share": r.share}
                 for r in a.by_group.itertuples()]
    columns = ["breakdown", "group", "group_name", "category", "category_name", "entry_id", "name", "firms_in_group",
               "firms", "share"]
    _write(pd.DataFrame(rows, columns=columns), args, f"platform adoption ({len(rows)} rows)")
    return 0


def cmd_cluster(args: argparse.Namespace) -> int:
    from assessment.clustering import fit_clusters

    fw = resolve_framework(args.framework)
    if args.db:
        from assessment import frames
        from assessment.clustering import pillar_percent_of

        now = frames.latest_frame(Store.open(), fw.key)
        if len(now) < 3:
            print(f"error: the database has {len(now)} firms with a submitted assessment of {fw.key}; "
                  "at least 3 are needed", file=sys.stderr)
            return 1
        firm_ids = now["tax_code"].tolist()
        percent = pillar_percent_of(fw, now)
    else:
        if args.input is None:
            print("error: give an INPUT.csv or --db", file=sys.stderr)
            return 1
        sheet = parse_sheet(fw, read_csv_text(args.input), points=args.points, profile_columns=PROFILE_COLUMNS)
        firm_ids = sheet.firm_ids
        percent = sheet.score(fw).pillar_percent
    if args.k != "auto" and not args.k.isdigit():
        print("error: --k must be auto or a whole number from 2 to 8", file=sys.stderr)
        return 1
    try:
        model, labels = fit_clusters(fw, percent, k=None if args.k == "auto" else int(args.k))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.save_model:
        Path(args.save_model).write_text(model.to_json(), encoding="utf-8")
    out = pd.DataFrame({"firm_id": firm_ids, "cluster": labels,
                        "cluster_name_vi": [model.names_vi[c] for c in labels],
                        "cluster_name_en": [model.names_en[c] for c in labels]})
    print(f"k = {model.k}, silhouette = {model.silhouette:.3f}, stability (mean ARI) = {model.stability:.3f}: "
          f"{model.stability_words('en')}", file=sys.stderr)
    _write(out, args, f"clusters for {len(out)} firms")
    return 0


IMPORT_HELP = """\
Import assessments from a CSV or XLSX file into the database (DBI_DATABASE_URL), one firm per row:
the profile columns (tax code, name, sector, locality, employees, revenue and/or capital, assessment
date, contacts; headers in Vietnamese, English or as ids) and one column per criterion id holding
the answer. Get the template with: python -m assessment template [--lang vi|en] -o FILE.xlsx

Every problem is listed with its row (the header is row 1), column and reason. Nothing is written
unless every row is valid, or --valid-only is given (then the valid rows are written and the others
listed). A firm with an assessment in the same year (in the file or the database) is a duplicate.
--dry-run checks without writing. --codes FILE writes each imported firm's access code, to hand out.
Exit code: 0 when everything asked was written, 1 otherwise.
"""


def cmd_import(args: argparse.Namespace) -> int:
    from assessment import importer

    fw = resolve_framework(args.framework)
    store = Store.open()
    report = importer.import_file(store, fw, Path(args.input).read_bytes(), Path(args.input).name)
    for p in report.problems:
        where = ", ".join(x for x in (f"row {p.row}" if p.row else "", f"column {p.column}" if p.column else "") if x)
        print(f"{args.input}: {where + ': ' if where else ''}{p.message(args.lang)}", file=sys.stderr)
    print(f"{len(report.valid)} of {report.n_rows} rows valid, {len(report.problems)} problem(s) "
          f"in {len(report.bad_rows)} row(s)", file=sys.stderr)
    if args.dry_run:
        return 1 if report.problems else 0
    if not report.valid or (report.problems and not args.valid_only):
        print("nothing written" + ("" if report.file_error or not report.valid else
                                   "; fix those rows or use --valid-only"), file=sys.stderr)
        return 1
    import getpass

    from assessment import exports
    from assessment.staging import ImportConflict

    try:
        written = store.import_assessments(fw, report.valid, lang=args.lang, who=f"cli:{getpass.getuser()}")
    except ImportConflict as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return 1
    print(f"imported {len(written)} assessment(s) of {fw.key}", file=sys.stderr)
    if args.codes:
        exports.write_csv(pd.DataFrame(written, columns=["row", "tax_code", "assessment_id", "access_code"]),
                          args.codes)
    return 1 if report.problems else 0


def cmd_template(args: argparse.Namespace) -> int:
    from assessment import importer

    fw = resolve_framework(args.framework)
    out = Path(args.output)
    data = (importer.template_xlsx(fw, args.lang) if out.suffix.lower() == ".xlsx"
            else importer.template_csv(fw, args.lang))
    out.write_bytes(data)
    print(f"template for {fw.key} ({args.lang}) written to {out}", file=sys.stderr)
    return 0


def cmd_export_firms(args: argparse.Namespace) -> int:
    """The department's firm table of a year (each firm's latest assessment of it, with every
    pillar and the platforms it listed) as CSV, read and written in chunks: memory stays flat
    whatever the number of firms."""
    import pandas as pd

    from assessment import aggregates, dashboard, exports, inventory
    from assessment.frames import Filters

    fw = resolve_framework(args.framework)
    store = Store.open()
    cells = aggregates.cube(store, fw)
    if cells.empty:
        print(f"no submitted assessment of {fw.key} in the database", file=sys.stderr)
        return 1
    year = args.year or int(cells["year"].max())
    headers = dashboard.headers(fw, args.lang)
    written = 0

    def chunks():
        nonlocal written
        for part in aggregates.firm_chunks(store, fw, cells, Filters(year=year), size=args.chunk):
            table = dashboard.named(dashboard.firm_table(fw, part, lang=args.lang), args.lang)
            table = table.sort_values("assessment_id").reset_index(drop=True)
            listed = inventory.listed_columns(store, table["assessment_id"].tolist(), args.lang)
            yield pd.concat([table.drop(columns="assessment_id").rename(columns=headers),
                             listed.reset_index(drop=True)], axis=1)
            written += len(table)
            print(f"\r{written:,} firms written", end="", file=sys.stderr, flush=True)

    n = exports.write_csv_chunks(chunks(), args.output)
    print(f"\r{n:,} firms of {year} written to {args.output}", file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from assessment import frames, scorecards
    from assessment.firms import normalise_tax_code, tax_code_error
    from assessment.i18n import translate

    fw = resolve_framework(args.framework)
    for raw in args.firm or ():
        key = tax_code_error(raw)
        if key:
            print(f"error: tax code {raw!r}: {translate(key, 'en')}", file=sys.stderr)
            return 1
    latest = frames.latest_frame(Store.open(), fw.key)
    if args.firm:
        wanted = {normalise_tax_code(x) for x in args.firm}
        chosen = latest[latest["tax_code"].isin(wanted)]
        missing = sorted(wanted - set(chosen["tax_code"]))
        if missing:
            print(f"error: no submitted assessment of {fw.key} for tax code(s) {', '.join(missing)}", file=sys.stderr)
            return 1
    else:
        chosen = latest
        if chosen.empty:
            print(f"error: the database has no submitted assessment of {fw.key}", file=sys.stderr)
            return 1
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, pdf in scorecards.many(chosen["assessment_id"].tolist(), args.lang):
        (out / name).write_bytes(pdf)
        n += 1
    print(f"{n} scorecard(s) ({args.lang}) written to {out}", file=sys.stderr)
    return 0


def cmd_blank_form(args: argparse.Namespace) -> int:
    from assessment.report import blank_form_pdf

    fw = resolve_framework(args.framework)
    Path(args.output).write_bytes(blank_form_pdf(fw, args.lang))
    print(f"blank questionnaire of {fw.key} ({args.lang}) written to {args.output}", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from assessment.backup import backup

    counts = backup(Store.open(), args.output)
    print(f"backup written to {args.output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from assessment.backup import BackupError, restore

    try:
        counts = restore(Store.open(), args.input)
    except BackupError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 1
    print(f"restored into {settings().database_url}: " + ", ".join(f"{k} {v}" for k, v in counts.items()),
          file=sys.stderr)
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise AccountError("acct.password_mismatch")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    from assessment.accounts import Accounts
    from assessment.i18n import translate

    accounts = Accounts(Store.open())
    try:
        if args.action == "add":
            user = accounts.add(args.username, _read_password(args), role=args.role, display_name=args.display_name or "")
            print(f"added {user.username} ({user.role})")
        elif args.action == "list":
            for u in accounts.list():
                seen = u.last_login.strftime("%Y-%m-%d %H:%M") if u.last_login else "never"
                print(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}\tlast sign-in {seen}")
        elif args.action in ("disable", "enable"):
            accounts.set_active(args.username, args.action == "enable")
            print(f"{args.username} {args.action}d")
        elif args.action == "reset-password":
            accounts.reset_password(args.username, _read_password(args))
            print(f"password of {args.username} reset")
    except AccountError as exc:
        print("error: " + translate(exc.key, "en", **exc.params), file=sys.stderr)
        return 1
    return 0


def _lang_output_framework(p: argparse.ArgumentParser, output_help: str) -> None:
    p.add_argument("--lang", choices=["vi", "en"], default="vi", help="language (default: %(default)s)")
    p.add_argument("-o", "--output", type=Path, required=True, help=output_help)
    p.add_argument("--framework", default=None, help="framework id, id@version or a framework file")


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

    road = sub.add_parser("roadmap", help="cheapest path of each firm to its next level", description=ROADMAP_HELP,
                          formatter_class=argparse.RawDescriptionHelpFormatter)
    rec = sub.add_parser("recommend", help="ranked platforms for each firm", description=RECOMMEND_HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    for p in (road, rec):
        p.add_argument("input", type=Path, help="CSV file of answer sheets (as for 'score')")
        p.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
        p.add_argument("--points", action="store_true", help="cells hold points already awarded, not answers")
        p.add_argument("-o", "--output", type=Path, help="write the results here instead of standard output")
    road.set_defaults(func=cmd_roadmap)
    rec.add_argument("--top", type=int, default=5, help="entries per firm (default: %(default)s)")
    rec.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of the reasons")
    rec.add_argument("--catalogue", type=Path, help="a catalogue YAML file instead of the database's")
    rec.set_defaults(func=cmd_recommend)

    dem = sub.add_parser("demo", help="fill the database with a synthetic demo province",
                         description="Replace any earlier demo firms ([DEMO] names, tax codes 99...) with "
                                     "a synthetic province of N firms, reproducible for a seed.")
    dem.add_argument("--firms", type=int, default=500, help="number of firms (default: %(default)s)")
    dem.add_argument("--seed", type=int, default=1, help="random seed (default: %(default)s)")
    dem.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
    dem.add_argument("--chunk", type=int, default=None, help=argparse.SUPPRESS)  # tests: a small chunk
    dem.set_defaults(func=cmd_demo)

    rec_ = sub.add_parser("recount", help="rebuild the department's figures and the platforms' counts from the "
                          "assessments (after a demo load was cut off, or rows were changed outside the app)")
    rec_.set_defaults(func=cmd_recount)

    clu = sub.add_parser("cluster", help="group firms by maturity profile (k-means on pillar percentages)",
                         description="Cluster firms from a CSV (as for 'score') or the database's latest submitted "
                                     "assessments (--db). k is chosen by silhouette (2..8) unless given. Prints k, "
                                     "the silhouette and the stability; writes firm_id, cluster, cluster names.")
    clu.add_argument("input", type=Path, nargs="?", help="CSV file of answer sheets")
    clu.add_argument("--db", action="store_true", help="use the database (DBI_DATABASE_URL) instead of a file")
    clu.add_argument("--points", action="store_true", help="cells hold points already awarded, not answers")
    clu.add_argument("--k", default="auto", help="number of clusters or auto (default)")
    clu.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
    clu.add_argument("--save-model", type=Path, help="store the fitted model (JSON) to place new firms later")
    clu.add_argument("-o", "--output", type=Path, help="write the results here instead of standard output")
    clu.set_defaults(func=cmd_cluster)

    pla = sub.add_parser("platforms", help="which platforms firms use (the department's adoption figures)",
                         description="Adoption of the catalogue's entries and categories over each firm's latest "
                                     "submitted assessment in the database (DBI_DATABASE_URL): firms using each, "
                                     "as a share of the firms that listed their platforms; --by adds the shares "
                                     "per group (groups of fewer than 5 firms are left out).")
    pla.add_argument("--db", action="store_true", help="read the database (the only source; accepted for clarity)")
    pla.add_argument("--by", choices=["area", "commune", "sector", "size", "level"],
                     help="also break the categories down by area (former district), commune, VSIC 2025 section, "
                          "size class or maturity level")
    pla.add_argument("--year", type=int, help="each firm's latest assessment of this year (default: its latest)")
    pla.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of the names")
    pla.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
    pla.add_argument("-o", "--output", type=Path, help="write the table here (CSV) instead of standard output")
    pla.set_defaults(func=cmd_platforms)

    imp = sub.add_parser("import", help="import assessments from a CSV or XLSX file", description=IMPORT_HELP,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    imp.add_argument("input", type=Path, help="CSV or XLSX file (first sheet)")
    imp.add_argument("--valid-only", action="store_true", help="write the valid rows even when others have problems")
    imp.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    imp.add_argument("--codes", type=Path, help="write the access code of each imported firm to this CSV")
    imp.add_argument("--lang", choices=["vi", "en"], default="en", help="language of the messages")
    imp.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
    imp.set_defaults(func=cmd_import)

    tpl = sub.add_parser("template", help="the import template (CSV or XLSX with a guide and the codes)")
    _lang_output_framework(tpl, "FILE.xlsx or FILE.csv")
    tpl.set_defaults(func=cmd_template)

    exf = sub.add_parser("export-firms", help="the department's firm table of a year as CSV (any number of firms)",
                         description="Each firm's latest submitted assessment of the year (default: the latest "
                                     "year) with its place, sector, size class, total, level, every pillar's "
                                     "points and level, and the platforms it listed (the columns of the "
                                     "dashboard's download), read and written in chunks so that memory stays "
                                     "flat for a million firms. UTF-8 with a byte-order mark.")
    exf.add_argument("output", type=Path, help="the CSV file to write (written whole or not at all)")
    exf.add_argument("--year", type=int, default=None, help="assessment year (default: the latest with data)")
    exf.add_argument("--lang", choices=["vi", "en"], default="vi", help="language of headers and names")
    exf.add_argument("--framework", default=None, help="framework id, id@version or a framework file")
    exf.add_argument("--chunk", type=int, default=10_000, help=argparse.SUPPRESS)
    exf.set_defaults(func=cmd_export_firms)
    rep = sub.add_parser("report", help="PDF scorecards of one or more firms, or of all (latest assessments)",
                         description="Write each firm's scorecard (its latest submitted assessment) as "
                                     "TAXCODE_DATE_LANG.pdf into the output folder. Many firms are rendered "
                                     "by two processes.")
    who = rep.add_mutually_exclusive_group(required=True)
    who.add_argument("--firm", action="append", metavar="TAXCODE", help="a firm's tax code (repeatable)")
    who.add_argument("--all", action="store_true", help="every firm with a submitted assessment")
    _lang_output_framework(rep, "output folder")
    rep.set_defaults(func=cmd_report)

    blank = sub.add_parser("blank-form", help="the printable blank questionnaire (PDF)",
                           description="Profile fields and every criterion with its id and its options as "
                                       "numbered tick boxes, numbered as the import template expects.")
    _lang_output_framework(blank, "FILE.pdf")
    blank.set_defaults(func=cmd_blank_form)

    bak = sub.add_parser("backup", help="a portable backup of the whole database (ZIP of JSON Lines)",
                         description="Every firm, assessment, answer, account (password hashes only), the "
                                     "catalogue and its log, targets and kept clusterings, into one ZIP that "
                                     "'restore' loads into an empty database on SQLite or PostgreSQL.")
    bak.add_argument("-o", "--output", type=Path, required=True, help="FILE.zip")
    bak.set_defaults(func=cmd_backup)
    res = sub.add_parser("restore", help="load a backup into an empty database (DBI_DATABASE_URL)")
    res.add_argument("input", type=Path, help="a backup ZIP")
    res.set_defaults(func=cmd_restore)

    users = sub.add_parser("users", help="department accounts: add, list, disable, enable, reset-password",
                           description="Manage the department's accounts (roles: viewer, admin). Passwords are "
                                       "asked twice without echo, or read from standard input with --password-stdin; "
                                       "they are stored only as scrypt hashes.")
    users.add_argument("action", choices=["add", "list", "disable", "enable", "reset-password"])
    users.add_argument("username", nargs="?", default="")
    users.add_argument("--role", choices=["viewer", "admin"], default="viewer")
    users.add_argument("--display-name", default="")
    users.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users.set_defaults(func=cmd_users)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SheetError, FrameworkError, CatalogueError) as exc:
        print(f"error: {args.input if hasattr(args, 'input') else ''}: {exc}", file=sys.stderr)
        return 1
    except BackupError as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 1
    except SchemaTooNew as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: file not found: {exc.filename}", file=sys.stderr)
        return 1
    except UserError as exc:
        print(f"error: {exc.message(getattr(args, 'lang', 'en'))}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # the database's own words, one line, no SQL
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0][:200]
        print(f"error: the database could not be used ({reason}); nothing more was written", file=sys.stderr)
        return 1
