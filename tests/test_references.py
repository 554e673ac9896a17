"""The reference list every report ends with."""

import pytest

from charrec.references import BIBLIOGRAPHY, reference_list


def test_the_reference_list_numbers_the_works_in_the_order_cited():
    text = reference_list(["source-dense", "lecun1998"])
    assert text.startswith("## References\n\n1. Course report 1")
    assert "\n2. Y. LeCun" in text and "Proceedings of the IEEE" in text


def test_an_unknown_reference_names_itself_and_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown reference \['lecun1989'\].*lecun1998"):
        reference_list(["lecun1998", "lecun1989"])


def test_every_entry_names_its_venue_or_address():
    for key, entry in BIBLIOGRAPHY.items():
        assert entry.endswith("."), key
        assert any(mark in entry for mark in ("*", "http", "arXiv", "course report")), key
