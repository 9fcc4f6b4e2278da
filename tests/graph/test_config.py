"""Settings: read from POLICYKG_* when asked, refused with a message naming the valid forms."""

from __future__ import annotations

import pytest

from graph.config import Settings, load_settings
from graph.errors import ConfigError, UnknownStoreError
from graph.store import parse_store_spec


def test_defaults():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.store == "oxigraph:./var/store"


def test_environment_and_overrides():
    env = {"POLICYKG_STORE": "memory:", "POLICYKG_QUERY_TIMEOUT": "2.5", "POLICYKG_MAX_ROWS": "7"}
    settings = load_settings(env, max_rows=9)
    assert (settings.store, settings.query_timeout, settings.max_rows) == ("memory:", 2.5, 9)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"POLICYKG_STORE": "nope:"}, "oxigraph:PATH"),
        ({"POLICYKG_STORE": "oxigraph:"}, "memory:"),
        ({"POLICYKG_MAX_ROWS": "many"}, "integer"),
        ({"POLICYKG_QUERY_TIMEOUT": "-1"}, "positive"),
        ({"POLICYKG_VALIDATION": "maybe"}, "refuse, warn"),
        ({"POLICYKG_BASE": "https://example.org/x"}, "end with"),
    ],
)
def test_bad_values_name_the_valid_forms(env: dict[str, str], words: str):
    with pytest.raises(ConfigError, match=words):
        load_settings(env)


def test_store_specs():
    assert parse_store_spec("memory:").kind == "memory"
    assert parse_store_spec("oxigraph:/tmp/x").path == "/tmp/x"
    spec = parse_store_spec("sparql:http://h/q;update=http://h/u;user=a;password=b")
    assert (spec.query_url, spec.update_url, spec.user, spec.password) == (
        "http://h/q",
        "http://h/u",
        "a",
        "b",
    )
    with pytest.raises(UnknownStoreError, match="update="):
        parse_store_spec("sparql:http://h/q;foo=1")
    with pytest.raises(UnknownStoreError, match="http"):
        parse_store_spec("sparql:ftp://h/q")
