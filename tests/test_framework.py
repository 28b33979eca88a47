"""The framework files and the loader's validation."""

from __future__ import annotations

import copy
import unicodedata
from pathlib import Path

import pytest
import yaml

from assessment.framework import (
    DEFAULT_FRAMEWORK_FILE,
    FrameworkError,
    available_frameworks,
    load_framework,
    parse_framework,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT_QUESTIONNAIRE = Path(__file__).resolve().parent.parent / "questionnaires" / "dbi-2021-sme.yaml"


def test_dbi_2021_structure_matches_the_reference(dbi):
    assert dbi.key == "dbi-2021-sme@2021"
    assert [p.id for p in dbi.pillars] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert [p.max_points for p in dbi.pillars] == [65, 25, 80, 65, 50, 35]
    assert [len(p.criteria) for p in dbi.pillars] == [13, 1, 16, 13, 10, 7]
    assert [c.id for c in dbi.components] == ["1.1", "1.2", "2.1", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "6.1"]
    assert [c.max_points for c in dbi.components] == [45, 20, 25, 10, 70, 30, 35, 25, 25, 35]
    assert len(dbi.criteria) == 60 and sum(c.max_points for c in dbi.criteria) == 320
    assert dbi.criterion_ids[0] == "1.1.1" and dbi.criterion_ids[-1] == "6.1.7"
    # every criterion is numbered pillar.component.criterion inside its component
    for comp in dbi.components:
        for i, crit in enumerate(comp.criteria, start=1):
            assert crit.id == f"{comp.id}.{i}"


def test_dbi_2021_points_per_criterion(dbi):
    strategy = dbi.criterion_by_id["2.1.1"]
    assert strategy.code_points == [0, 5, 10, 15, 20, 25]
    for crit in dbi.criteria:
        if crit.id != "2.1.1":
            assert crit.max_points == 5, crit.id
            assert min(crit.code_points) == 0, crit.id


def test_dbi_2021_answer_types_follow_the_reference(dbi):
    shares = [c.id for c in dbi.criteria if c.type == "share"]
    counts = [c.id for c in dbi.criteria if c.type == "count"]
    assert "1.1.5" in shares and "3.2.3" in shares and "6.1.7" in shares
    assert set(counts) == {"4.2.1", "5.2.1", "5.2.3", "5.2.5"}
    # the 26 numeric criteria of the reference are the 24 shares plus the two staff counts
    assert len(shares) == 24


def test_every_text_is_bilingual_and_nfc(dbi):
    def texts(node):
        if isinstance(node, dict):
            if set(node) == {"vi", "en"}:
                yield node
            for v in node.values():
                yield from texts(v)
        elif isinstance(node, list):
            for v in node:
                yield from texts(v)

    raw = yaml.safe_load(DEFAULT_FRAMEWORK_FILE.read_text(encoding="utf-8"))
    found = list(texts(raw))
    assert len(found) > 60 * 4
    for text in found:
        assert text["vi"].strip() and text["en"].strip()
        assert unicodedata.is_normalized("NFC", text["vi"])
    # Vietnamese really is Vietnamese: diacritics present in the questions
    assert any("ư" in c.question.vi or "ơ" in c.question.vi for c in dbi.criteria)


def test_assumptions_cover_every_gap_named_in_the_reference(dbi):
    ids = {a.id for a in dbi.spec.assumptions}
    assert {"A-10PCT", "A-SHARE-BANDS", "A-GATE", "A-FREQ3", "A-ERP6", "A-SELF6"} <= ids
    shares = [c for c in dbi.criteria if c.type == "share"]
    assert all("A-SHARE-BANDS" in c.assumptions for c in shares)
    assert "A-10PCT" in dbi.spec.pillar_levels[0].assumptions
    for cid, aid in [("1.2.1", "A-FREQ3"), ("3.2.6", "A-ERP6"), ("5.2.4", "A-SELF6")]:
        assert aid in dbi.criterion_by_id[cid].assumptions


def test_available_frameworks_lists_the_folder():
    fws = available_frameworks()
    assert "dbi-2021-sme@2021" in fws


def test_second_framework_loads_with_its_own_structure(mini):
    assert mini.key == "mini-test@0.1"
    assert [p.id for p in mini.pillars] == ["A", "B", "C"]
    assert mini.max_level == 3
    assert {c.type for c in mini.criteria} == {"choice", "yes_no", "share", "count"}


# --- broken files ---------------------------------------------------------------------------


@pytest.fixture
def mini_raw():
    return yaml.safe_load((FIXTURES / "mini-framework.yaml").read_text(encoding="utf-8"))


def _fails(data, *fragments):
    with pytest.raises(FrameworkError) as info:
        parse_framework(data, source="broken.yaml")
    message = str(info.value)
    assert message.startswith("broken.yaml: ")
    for fragment in fragments:
        assert fragment in message, message
    return info.value


def test_duplicate_id_is_refused(mini_raw):
    mini_raw["pillars"][2]["components"][0]["criteria"][0]["id"] = "a1"
    _fails(mini_raw, "id 'a1' is used twice")


def test_option_above_the_criterion_max_is_refused(mini_raw):
    mini_raw["pillars"][0]["components"][0]["criteria"][0]["options"][2]["points"] = 6
    err = _fails(mini_raw, "above the criterion's max_points 5")
    assert "criteria[1] (id a1)" in err.place and "pillars[1] (id A)" in err.place


def test_pillar_sum_must_match_the_declared_maximum(mini_raw):
    mini_raw["pillars"][1]["max_points"] = 11
    _fails(mini_raw, "pillars[2] (id B)", "sum to 10", "max_points 11")


def test_framework_total_must_match(mini_raw):
    mini_raw["max_points"] = 25
    _fails(mini_raw, "pillar maxima sum to 24")


def test_missing_language_is_refused(mini_raw):
    del mini_raw["pillars"][0]["components"][0]["criteria"][1]["question"]["en"]
    _fails(mini_raw, "criteria[2] (id a2).question.en", "Field required")


def test_empty_text_is_refused(mini_raw):
    mini_raw["levels"][1]["name"]["vi"] = "   "
    _fails(mini_raw, "levels[2] (level 1).name.vi", "must not be empty")


def test_unknown_assumption_is_refused(mini_raw):
    mini_raw["pillars"][0]["components"][0]["criteria"][0]["assumptions"] = ["NOPE"]
    _fails(mini_raw, "a1 refers to assumption 'NOPE'")


def test_level_rules_must_cover_every_level(mini_raw):
    del mini_raw["overall_levels"][1]
    _fails(mini_raw, "overall_levels must give one rule for each level 1..3")


def test_bands_must_increase(mini_raw):
    bands = mini_raw["pillars"][1]["components"][0]["criteria"][0]["bands"]
    bands[1]["up_to"] = 0
    _fails(mini_raw, "band limits must increase strictly")


def test_unknown_key_is_refused(mini_raw):
    mini_raw["pillars"][0]["colour"] = "red"
    _fails(mini_raw, "pillars[1] (id A).colour", "Extra inputs")


def test_type_specific_fields_are_checked(mini_raw):
    crit = mini_raw["pillars"][0]["components"][0]["criteria"][0]
    crit["type"] = "yes_no"
    _fails(mini_raw, "criteria[1] (id a1)", "a 'yes_no' criterion needs 'points'")


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("schema: 1\nid: [unclosed\nversion: x\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert str(path) in str(info.value) and "line" in info.value.place and "not valid YAML" in str(info.value)


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("title: Sơn La".encode("utf-16"))
    with pytest.raises(FrameworkError, match="not UTF-8"):
        load_framework(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FrameworkError, match="cannot read the file"):
        load_framework(tmp_path / "nope.yaml")


def test_replacing_an_assumption_is_a_data_edit(mini_raw):
    """Changing share bands in the file changes scoring with no code change."""
    data = copy.deepcopy(mini_raw)
    bands = data["pillars"][1]["components"][0]["criteria"][0]["bands"]
    bands[1]["up_to"] = 30
    fw = parse_framework(data, source="edited.yaml")
    assert fw.criterion_by_id["b1"].code_for_figure(40) == 2
    assert parse_framework(mini_raw).criterion_by_id["b1"].code_for_figure(40) == 1


def test_a_key_written_twice_is_refused_with_file_and_line(tmp_path):
    """YAML lets the last of two equal keys win silently; a framework file must not."""
    text = (ROOT_QUESTIONNAIRE.read_text(encoding="utf-8")
            .replace("max_points: 320", "max_points: 320\nmax_points: 300", 1))
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("max_points: 300") + 1
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert str(path) in str(info.value) and f"line {line}" in info.value.place
    assert "'max_points' is written twice" in str(info.value)


@pytest.mark.parametrize("loader", ["catalogue", "localities", "i18n"])
def test_every_yaml_data_file_refuses_a_key_written_twice(tmp_path, loader, dbi):
    from assessment.framework import DataFileError, read_yaml

    path = tmp_path / f"{loader}.yaml"
    path.write_text("units:\n  - code: SL-TP\n    name: Sơn La\n    name: Sơn La 2\n", encoding="utf-8")
    if loader == "catalogue":
        from assessment.catalogue import CatalogueError, load_catalogue

        with pytest.raises(CatalogueError, match="written twice"):
            load_catalogue(path, dbi)
    elif loader == "localities":
        from assessment.firms import localities

        with pytest.raises(DataFileError, match="written twice") as info:
            localities(str(path))
        assert "line 4" in info.value.place
    else:
        with pytest.raises(DataFileError, match="written twice"):
            read_yaml(path, DataFileError)


def test_a_criterion_id_that_does_not_fit_its_component_is_refused_at_load(tmp_path):
    text = ROOT_QUESTIONNAIRE.read_text(encoding="utf-8").replace('id: "1.1.2"', 'id: "1.1.l"', 1)
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert "'1.1.l' does not fit component 1.1" in str(info.value)


def test_one_registry_finds_a_framework_by_key_id_or_path_newest_version_by_number(tmp_path):
    from assessment.framework import FrameworkError, frameworks, get_framework

    source = (FIXTURES / "mini-framework.yaml").read_text(encoding="utf-8")
    for version in ("9", "10"):
        (tmp_path / f"mini-{version}.yaml").write_text(
            source.replace('version: "0.1"', f'version: "{version}"'), encoding="utf-8")
    assert sorted(frameworks(tmp_path)) == ["mini-test@10", "mini-test@9"]
    assert get_framework("mini-test", tmp_path).version == "10"  # 10 after 9, not before (as text)
    assert get_framework("mini-test@9", tmp_path).version == "9"
    assert get_framework(str(tmp_path / "mini-9.yaml")).version == "9"
    with pytest.raises(FrameworkError, match="no framework 'nope'"):
        get_framework("nope", tmp_path)
