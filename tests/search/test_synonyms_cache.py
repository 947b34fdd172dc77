"""Synonyms are read once per SYNONYMS_TTL per process: this process's own edits apply
at once, another process's (seen here as an update without signals) within the TTL."""

from __future__ import annotations

import pytest

from search import models as search_models
from search.models import Synonym, synonym_map

pytestmark = pytest.mark.django_db


def test_own_edits_apply_at_once_and_others_within_the_ttl(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(search_models.time, "monotonic", lambda: clock[0])
    assert synonym_map() == {}
    synonym = Synonym(term="tumbler", alternatives=["머그컵"])
    synonym.full_clean()
    synonym.save()
    assert synonym_map() == {"tumbler": ["머그컵"]}  # this process's save: at once
    # Another process's edit sends no signal here: the cached map stands for the TTL…
    Synonym.objects.filter(pk=synonym.pk).update(alternatives=["컵"])
    clock[0] += search_models.SYNONYMS_TTL - 1
    assert synonym_map() == {"tumbler": ["머그컵"]}
    # …and is read again after it.
    clock[0] += 2
    assert synonym_map() == {"tumbler": ["컵"]}
    synonym.delete()
    assert synonym_map() == {}
