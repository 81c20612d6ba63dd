"""Incremental validation agrees with full validation.

`IncrementalValidator.update` re-validates only the focus nodes an edited file can affect; these
tests edit files (remove them, put them back, change one date) and compare its report with a
full validation of the same state, finding by finding. On the fixtures the comparison is made
after each fixture is added, one at a time, to the context; on the repository's data after an
edit of each file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from seckg.config import Config
from seckg.loading import load, replace_file
from seckg.validation import IncrementalValidator, validate

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "shapes"

pytestmark = pytest.mark.slow(160)  # 254 incremental updates on the fixtures, four full validations


def comparable(report) -> list[tuple]:
    """Findings without the blank node ids, which differ from one parse to the next."""
    return sorted(
        (f.severity, f.node, f.via or "", f.path or "", f.value or "", f.component, f.shape or "", f.message,
         f.file or "", f.line or 0, f.label or "")
        for f in report.findings
        if not (f.value or "").startswith("_:")
    ) + sorted((f.node, f.component) for f in report.findings if (f.value or "").startswith("_:"))


def copy_repo(tmp_path: Path, data: list[Path] | None = None) -> Config:
    for folder in ("ontology", "shapes"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    if data is None:
        shutil.copytree(REPO / "data", tmp_path / "data")
    else:
        (tmp_path / "data").mkdir()
        for path in data:
            shutil.copy(path, tmp_path / "data" / path.name)
    return Config(root=tmp_path)


def test_adding_the_fixtures_one_by_one_agrees_with_full_validation(tmp_path):
    config = copy_repo(tmp_path, [FIXTURES / "_context.ttl"])
    incremental = IncrementalValidator(load(config))
    assert incremental.report.conforms
    fixtures = sorted(p for p in FIXTURES.glob("*.ttl") if not p.name.startswith("_"))
    for number, fixture in enumerate(fixtures, start=1):
        target = config.data_dir / fixture.name
        shutil.copy(fixture, target)
        report = incremental.update(target)
        # A full run after every fixture would take minutes; compare halfway and at the end.
        if number in (len(fixtures) // 2, len(fixtures)):
            assert comparable(report) == comparable(validate(load(config))), f"after adding {fixture.name}"
    assert not incremental.report.conforms
    # And take them all away again: back to the context alone.
    for fixture in fixtures:
        (config.data_dir / fixture.name).unlink()
        incremental.update(config.data_dir / fixture.name)
    assert incremental.report.findings == []


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    config = copy_repo(tmp_path_factory.mktemp("repo"))
    return config, IncrementalValidator(load(config))


@pytest.mark.parametrize("name", ["people/people.ttl"])
def test_removing_and_restoring_a_data_file_agrees_with_full_validation(repo_copy, name):
    """Removing the people breaks statements, memberships and events in other files: the
    affected nodes lie outside the edited file. (bench/validation.py does this for every file.)"""
    config, incremental = repo_copy
    path = config.data_dir / name
    text = path.read_text(encoding="utf-8")
    before = comparable(incremental.report)
    path.unlink()
    assert comparable(incremental.update(path)) == comparable(validate(load(config)))
    path.write_text(text, encoding="utf-8")
    assert comparable(incremental.update(path)) == before


def test_one_date_typo_revalidates_few_nodes_and_is_reported(repo_copy):
    config, incremental = repo_copy
    path = config.data_dir / "memberships" / "seed-memberships.ttl"
    text = path.read_text(encoding="utf-8")
    # A century typo: the first membership begins a hundred years before its organization was founded.
    edited, count = re.subn(r'time:inXSDDate "20(\d\d)', r'time:inXSDDate "19\1', text, count=1)
    assert count == 1
    path.write_text(edited, encoding="utf-8")
    report = incremental.update(path)
    assert comparable(report) == comparable(validate(load(config)))
    assert not report.conforms
    assert len(incremental.last_focus) < len(set(incremental.loaded.union_graph.subjects())) / 4
    path.write_text(text, encoding="utf-8")
    assert incremental.update(path).conforms


def test_replace_file_keeps_a_triple_another_file_states(tmp_path):
    config = copy_repo(tmp_path, [FIXTURES / "_context.ttl"])
    extra = config.data_dir / "extra.ttl"
    extra.write_text(
        '<https://example.org/fixture/state-A> <http://www.w3.org/2000/01/rdf-schema#label> "State A"@en .\n',
        encoding="utf-8",
    )
    loaded = load(config)
    size = len(loaded.union_graph)
    extra.unlink()
    change = replace_file(loaded, extra)
    assert len(change.removed) == 1 and not change.added
    assert len(loaded.union_graph) == size  # the context still states it
    assert all(loc.file.name != "extra.ttl" for locs in loaded.subject_locations.values() for loc in locs)


def test_replace_file_records_a_parse_problem_and_drops_the_file(tmp_path):
    config = copy_repo(tmp_path, [FIXTURES / "_context.ttl"])
    loaded = load(config)
    context = config.data_dir / "_context.ttl"
    context.write_text("@prefix x: <https://example.org/> .\nx:a x:b \n", encoding="utf-8")
    change = replace_file(loaded, context)
    assert change.problem is not None and change.problem.file.name == "_context.ttl"
    assert loaded.problems == [change.problem] == load(config).problems
    assert len(loaded.union_graph) == len(load(config).union_graph)
