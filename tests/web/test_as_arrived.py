"""Quarantined values on the 数据源 page are shown exactly as they arrived."""

from api.web.as_arrived import shown_as_arrived


def test_a_letter_o_among_digits_is_marked_not_shown_as_a_zero():
    html = str(shown_as_arrived("20O.00"))
    assert "200.00" not in html.replace('<mark class="lookalike"', "")  # the O is never a bare digit
    assert '<mark class="lookalike" title="字母或全角字符 O U+004F，易被看作 0">O</mark>' in html


def test_whitespace_and_full_width_characters_are_visible():
    html = str(shown_as_arrived(" 12\u30003４"))
    assert html.count('class="ws"') == 2 and "␣" in html and "□" in html
    assert 'title="字母或全角字符 ４ U+FF14，易被看作 4"' in html
    assert "&lt;x&gt;" in str(shown_as_arrived("<x>"))
    assert "（空）" in str(shown_as_arrived(None))
