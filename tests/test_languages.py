"""Language codes: names, text direction and the tokenizer's character coverage."""

import pytest

from s2s_hub.languages import (
    character_coverage,
    is_right_to_left,
    language_name,
    primary,
)


@pytest.mark.parametrize(
    ("code", "expected"), [("zh-Hans", "zh"), ("pt_BR", "pt"), (" EN ", "en")]
)
def test_primary_subtag(code: str, expected: str) -> None:
    assert primary(code) == expected


def test_names_fall_back_to_the_code() -> None:
    assert language_name("ru") == "Russian"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("tlh") == "tlh"


def test_arabic_and_hebrew_run_right_to_left() -> None:
    assert is_right_to_left("ar") and is_right_to_left("he") and is_right_to_left("fa")
    assert not is_right_to_left("ru") and not is_right_to_left("")


def test_large_alphabets_keep_most_characters_small_ones_all() -> None:
    assert character_coverage("en", "zh") == 0.9995
    assert character_coverage("ja", "") == 0.9995
    assert character_coverage("en", "ru") == 1.0
    assert character_coverage("", "") == 1.0
