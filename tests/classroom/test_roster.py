"""Rosters in CSV and YAML: every problem reported with its line and reason, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from leda.classroom.roster import Participant, RosterError, read


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_csv(tmp_path):
    roster = read(
        _write(
            tmp_path,
            "class.csv",
            "name,profile,region,email\nalice,team,eu-west-1,alice@example.org\nbob,,,\n",
        )
    )
    assert roster.problems == []
    assert roster.participants == [
        Participant("alice", 2, "team", "eu-west-1", "alice@example.org"),
        Participant("bob", 3),
    ]


def test_a_good_yaml_of_names_and_mappings(tmp_path):
    text = "- alice\n- name: bob\n  region: us-west-2\n"
    roster = read(_write(tmp_path, "class.yaml", text))
    assert roster.problems == []
    assert [(p.name, p.line, p.region) for p in roster.participants] == [
        ("alice", 1, None),
        ("bob", 2, "us-west-2"),
    ]


def test_every_problem_with_its_line(tmp_path):
    text = (
        "name,region,email\n"
        "alice,us-east-1,\n"
        "Alice,,\n"  # IAM role names ignore case: a collision
        "bob smith,,\n"
        "carol,mars-1,\n"
        "dave,,not-an-email\n"
        f"{'e' * 60},,\n"
        ",us-east-1,\n"
    )
    roster = read(_write(tmp_path, "class.csv", text))
    found = [str(problem) for problem in roster.problems]
    assert found[0] == (
        "line 3: name 'Alice' is already on line 2 (names are compared without case, as IAM does)"
    )
    assert found[1].startswith("line 4: name 'bob smith' has characters AWS names refuse")
    assert found[2] == "line 5: region 'mars-1' is not a region name; allowed: e.g. us-east-1"
    assert found[3].startswith("line 6: email 'not-an-email': allowed: one bare address")
    assert found[4].startswith("line 7: name 'eeee") and "allowed: at most" in found[4]
    assert found[5] == "line 8: no name"
    assert len(found) == 6


def test_yaml_lines_point_at_the_entry(tmp_path):
    text = "- alice\n- name: x y\n  region: us-east-1\n- [1, 2]\n- email: a@b.io\n"
    roster = read(_write(tmp_path, "class.yml", text))
    assert [str(p).split(":")[0] for p in roster.problems] == ["line 2", "line 4", "line 5"]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("class.txt", "alice", "allowed: a .csv or a .yaml/.yml file"),
        ("class.csv", "who,where\nalice,x\n", "at least `name`"),
        ("class.csv", "name,team\nalice,x\n", "unknown columns team"),
        ("class.yaml", "alice: 1\n", "a YAML list of participants"),
    ],
)
def test_unreadable_rosters(tmp_path, name, text, message):
    with pytest.raises(RosterError, match=message):
        read(_write(tmp_path, name, text))


def test_an_empty_roster_is_a_problem(tmp_path):
    assert [str(p) for p in read(_write(tmp_path, "c.csv", "name\n")).problems] == [
        "line 1: no participants"
    ]


def test_a_shipped_stacks_name_is_refused(tmp_path):
    roster = read(_write(tmp_path, "c.csv", "name\ndev\nWired\nalice\n"))
    assert [str(p).split(":")[0] for p in roster.problems] == ["line 2", "line 3"]
    assert "a stack the project ships (Pulumi.dev.yaml)" in str(roster.problems[0])


def test_a_spreadsheets_bom_and_a_row_with_too_many_values(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("\ufeffname,email\nalice,a@example.org\nSmith, Alice,x@example.org\n".encode())
    roster = read(path)
    assert [p.name for p in roster.participants][:1] == ["alice"]
    assert [str(p) for p in roster.problems if "more values" in str(p)] == [
        "line 3: more values than columns (x@example.org); quote a value with a comma"
    ]


def test_yaml_names_are_text(tmp_path):
    roster = read(_write(tmp_path, "c.yaml", "- no\n- name: 0o17\n"))
    assert [p.name for p in roster.participants] == ["no", "0o17"]
    tagged = read(_write(tmp_path, "d.yaml", "- !!python/name:os.system\n"))
    assert tagged.participants == []  # nothing constructed from a tag, just no name
    assert [str(p) for p in tagged.problems] == ["line 1: no name"]
    with pytest.raises(RosterError, match="is not YAML"):
        read(_write(tmp_path, "e.yaml", "- [unclosed\n"))
