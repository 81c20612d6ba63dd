"""Bug: a data file that is a link to a missing file was reported under the absolute path of the link's
target, with the OS error text only. It is now named where it sits in the repository."""

from __future__ import annotations

from seckg.config import Config
from seckg.loading import load


def test_a_missing_data_file_is_named_by_its_place_in_the_repository(make_repo):
    root = make_repo()
    (root / "data" / "gone.ttl").symlink_to("/nonexistent/elsewhere.ttl")
    (problem,) = load(Config(root=root)).problems
    assert str(problem) == "data/gone.ttl:1:1: cannot read the file: No such file or directory"
