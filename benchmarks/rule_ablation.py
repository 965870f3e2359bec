"""Every rule of the grid and text readers has a test that fails without it: remove one rule at a
time (an exact edit of the source, restored afterwards), run the fast parser tests, and report any
rule whose removal fails nothing.

    .venv/bin/python benchmarks/rule_ablation.py            # every rule
    .venv/bin/python benchmarks/rule_ablation.py "undivided"  # some, by name

Run it from the repository root on a clean work tree; an edit whose text is no longer found is
reported with '??' (update its pattern when the rule's code changes).
"""
import os
import subprocess
import sys
from pathlib import Path

os.chdir(Path(__file__).resolve().parents[1])
T, R, N = "pipeline/core/parser/tables.py", "pipeline/core/readers/text.py", "pipeline/core/textnorm.py"
RULES = [
    ('spaced row ends in a value', R,
     '    if cell_kind(cells[-1]) == "text":  # ',
     '    if False:  # '),
    ('last 7', T,
     '            vals = row.values[-N_APPLICANTS:]',
     '            vals = None'),
    ('header cols §三', T,
     '            vals = _at_header_columns(row, header_columns.get(len(ro'
     'w.cells)))',
     '            vals = None'),
    ('header cols §二', T,
     '            vals = _at_header_columns(lr, _measure_columns(header_ce'
     'lls, measures, format_version))',
     '            vals = None'),
    ('wrapped label', R,
     '                out.cell_row[-1] += prose',
     '                out.paragraph(prose, number)'),
    ('litigation ambiguity', T,
     '        return named + (_LITIGATION,)',
     '        return named'),
    ('two items', T,
     '    if len(named) > 1:  # labels',
     '    if False:  # labels'),
    ('stream glued', N,
     ' or cell[-1:].isdigit()',
     ''),
    ('one-cell outer pipes', R,
     '            cells = [s[1:-1].strip()]',
     '            pass'),
    ('run together', R,
     'else (ROW, split_run_together(cells))',
     'else (ROW, cells)'),
    ('run together spaced', R,
     '        return ROW, split_run_together(cells)',
     '        return ROW, cells'),
    ('spaced rows', R,
     '    cells = _spaced_cells(line)\n',
     '    cells = None\n'),
    ('two-cell spaced', R,
     '    if len(cells) < 2 or any',
     '    if len(cells) < 3 or any'),
    ('spaced not joined', R,
     'and not last.endswith(_ENDS_OR_TITLE) and not _has_gap(last)',
     'and not last.endswith(_ENDS_OR_TITLE)'),
    ('markdown heading', R,
     '_HEADING = re.compile(r"^\\s*(?:#+\\s*)?',
     '_HEADING = re.compile(r"^\\s*'),
    ('undivided', T,
     '    undivided = _undivided_groups(cands, placement, codes)',
     '    undivided = set()'),
    ('named above', T,
     '        proc = named[0] if named else named_above',
     '        proc = named[0] if named else None'),
    ('labelled proceeding', T,
     '        named = _proceedings_named(_GLUED.sub(r"\\1", lr.label)) if '
     'lr.label else ()',
     '        named = ()'),
    ('review pieces', T,
     '        vals = _review_from_pieces(pieces, width)\n',
     '        vals = None\n'),
    ('digits in one value cell', T,
     '        return fold_width(rest[0]).strip(), []',
     '        return None'),
    ('spaces keep numbers apart', T,
     '    if len(digits.split()) > 1:  # spaces',
     '    if False:  # spaces'),
    ('torn label', T,
     '        label = lr.label or squeeze(torn or "")',
     '        label = lr.label'),
    ('gaps', T,
     '        if len(confirmed) == 1:\n            for i, k in zip(run, co'
     'nfirmed[0]):\n                placement[i] = k\n        else:\n     '
     '       unresolved.update(run)',
     '        pass'),
    ('gaps confirm', T,
     '        if len(confirmed) == 1:\n            for i, k in zip(run, co'
     'nfirmed[0]):\n                placement[i] = k\n        else:',
     '        if True:'),
    ('debris before label', T,
     '    label = "".join(squeeze(c) for c, k in zip(cells[: last_text + 1'
     '], kinds) if k == "text")',
     '    label = "".join(squeeze(c) for c, k in zip(cells[: last_text + 1'
     '], kinds) if k != "blank")'),
    ('stray cells', T,
     '            continue  # stray cells of a merged Word cell',
     '            pass  # stray cells of a merged Word cell'),
    ('contradictory hints', T,
     '    if specific:  # contradictory hints: trust the longest specific '
     'keyword',
     '    if False:  # contradictory hints: trust the longest specific key'
     'word'),
    ('prose skip §二', T,
     '        if not it.cells and len(squeeze(it.text)) > 40:\n           '
     ' continue',
     '        if False:\n            continue'),
    ('first item wins', T,
     '        if item in seen or item not in grid_spec:',
     '        if item not in grid_spec:'),
    ('header measures', T,
     '        measures = header if set(header) == set(expected) else expec'
     'ted',
     '        measures = expected'),
    ('yuan to wan', T,
     '        return v / 10000 if m.group(2) == "元" else v',
     '        return v'),
    ('negative unsigned', T,
     '    if v is not None and v < 0 and measure not in cb.SIGNED_MEASURES'
     ':\n        return None',
     '    if False:\n        return None'),
    ('page footer', R,
     '            if not _PAGE_FOOTER.match(prose):',
     '            if True:'),
    ('wrap width prose only', R,
     '                                and not _has_gap(text)]))',
     '                                ]))'),
    ('marker not padding', T,
     '    if len(meanings) > 1:  # a written blank marker',
     '    if False:  # a written blank marker'),
    ('blank-only group row', T,
     '        if not glued and not _has_number(lr.values) and len(lr.value'
     's) < N_APPLICANTS:',
     '        if not lr.values and not glued:'),
    ('unglue', T,
     '    return unglue(row, width, holds) or vals',
     '    return vals'),
    ('unglue identity', T,
     '    if holds is None or len(digits) < need',
     '    if True or len(digits) < need'),
    ('glued all blank', T,
     '    if vals is not None and _has_number(vals):\n        return vals',
     '    if vals is not None:\n        return vals'),
    ('unglue 15', T,
     '        vals = fit_or_unglue(lr, width)\n',
     '        vals = fit_values(lr.values, width)\n'),
    ('full-width bars', R,
     '        text = text.translate(_BARS)',
     '        pass'),
    ('pipe rows no outer', R,
     '    if s.startswith("|"):\n        s = s[1:]\n    if s.endswith("|")'
     ':\n        s = s[:-1]\n    if "|" not in s:\n        return None',
     '    if not (s.startswith("|") and s.endswith("|")):\n        return '
     'None\n    s = s[1:-1]\n    if "|" not in s:\n        return None'),
]
only = sys.argv[1:]
TESTS = ["tests/test_grid.py", "tests/test_grid_metamorphic.py", "tests/test_webpages.py",
         "tests/test_parser.py", "tests/test_readers.py"]
missed = 0
for name, f, old, new in RULES:
    if only and name not in only:
        continue
    path = Path(f)
    orig = path.read_text(encoding="utf-8")
    if orig.count(old) != 1:
        print(f"?? {name}: pattern found {orig.count(old)} times")
        continue
    path.write_text(orig.replace(old, new), encoding="utf-8")
    try:
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
                           capture_output=True, text=True)
        last = r.stdout.strip().splitlines()[-1]
        print(f"{'OK ' if r.returncode else 'NO!'} {name}: {last[:100]}")
        missed += r.returncode == 0
    finally:
        path.write_text(orig, encoding="utf-8")
sys.exit(1 if missed else 0)
