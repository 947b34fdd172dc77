"""The identifier branch runs for real codes only (embeddings/text/identifiers.py):
ordinary joined words are left to the lexical branch."""

from __future__ import annotations

import pytest

from search.branches import identifier_terms


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("RUN-S220 신발", "RUN-S220"),
        ("RUN-S220형 신발", "RUN-S220"),  # Hangul glued to a code starts a new token
        ("모델 X100, 검정", "X100"),
        ("X100 배터리", "X100"),
        ("EDU-CALC 사용법", "EDU-CALC"),
        ("ISO/IEC 표준", "ISO/IEC"),
        ("gimp-2.10 설치", "gimp-2.10"),
        ("GNU/Linux 설치", ""),
        ("e-mail 계정", ""),
        ("well-known ports", ""),
        ("2024년형 모델", ""),
    ],
)
def test_only_real_identifiers_start_the_identifier_branch(text, terms):
    assert identifier_terms(text) == terms
