"""HTTP: the SPARQL endpoint, the REST API and the pages, over what ``graph`` built.

:func:`create_app` is the Flask app factory. It reads settings when called (never at import
time), opens the configured store and the canned-query catalogue once, and hands them to the
views through ``current_app.extensions["policykg"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this package to find `serve`: keep that import cheap
    from pathlib import Path

    from flask import Flask

    from graph.config import Settings
    from graph.store import Store


def create_app(
    test_config: Mapping[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    queries: Path | None = None,
) -> Flask:
    """Build the WSGI application.

    Args:
        test_config: setting overrides by :class:`graph.config.Settings` field name
            (``{"store": "memory:"}``); the environment's ``POLICYKG_*`` values apply otherwise.
        settings: complete settings, used as given (the CLI passes its own).
        store: an already open store to serve instead of opening ``settings.store`` (tests
            share one built ``memory:`` store this way).
        queries: a folder of ``.rq`` files to serve instead of the packaged ``queries/``.

    Raises:
        graph.errors.ConfigError: a setting is invalid (the message names the valid forms).
        graph.ontology.OntologyError: the ontology or shapes file is corrupt or cut short.
    """
    from flask import Flask

    from api.services import Services
    from graph.config import load_settings
    from graph.ontology import check_ontology

    settings = settings or load_settings(**dict(test_config or {}))
    check_ontology()  # a corrupt or cut-short ontology stops start-up, naming file and line
    app = Flask(__name__)
    app.config.from_mapping(JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=settings.max_upload)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["policykg"] = Services.open(settings, store=store, queries=queries)

    from api import observability

    observability.init_app(app)  # first: its timer starts before the other hooks run

    from api import errors, rest, sparql

    errors.init_app(app)
    app.register_blueprint(sparql.bp)

    from api import cors, query_page

    app.register_blueprint(query_page.bp)
    cors.init_app(app)
    app.register_blueprint(rest.bp)

    from api import documents, jsonld, openapi, resources

    app.register_blueprint(resources.bp)
    app.register_blueprint(documents.bp)
    app.register_blueprint(jsonld.bp)
    app.register_blueprint(openapi.bp)

    from api import charts, linked_data, pages

    app.register_blueprint(pages.bp)
    app.register_blueprint(linked_data.bp)
    app.register_blueprint(charts.bp)
    return app
