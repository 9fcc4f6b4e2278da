"""``policykg serve``: the production WSGI server (waitress, threads) over :func:`api.create_app`.

Contributed to the CLI through the ``policykg.commands`` entry point, so ``graph`` stays free of
HTTP. On an empty store it first builds the bundled corpus, so a new machine serves real data.

Why waitress with threads, in one process (measured on the 2-core machine, docs/benchmarks.md):
the server's own share of a request is small next to what the app does. Serving a constant
answer costs 0.22 ms per sequential request with waitress, 0.39 ms with gunicorn (gthread) and
0.09 ms with granian; the full app adds about 0.6 ms in Flask and 0.6 ms for the hop to a query
worker, and ASK latency came out at 1.03, 1.39 and 1.08 ms. Several server processes would
each start their own query workers (memory) and gain nothing on two cores, where the query
workers are the ones using the CPU. The query workers are started with the server, so the
first query does not wait for them.
"""

from __future__ import annotations

import argparse
import logging
import sys

log = logging.getLogger("policykg.serve")


def cmd_serve(args: argparse.Namespace) -> int:
    """Build the bundled corpus if the store is empty, then serve until interrupted."""
    import waitress

    from api import create_app
    from corpus import default_documents
    from graph.cli import ProgressBar
    from graph.config import load_settings
    from graph.loading import build_documents
    from graph.store import open_store

    settings = load_settings(store=args.store, host=args.host, port=args.port, threads=args.threads)
    with open_store(settings.store) as store:
        if not any("/doc/" in g for g in store.graph_names()):
            print(
                "policykg: the store is empty; building the bundled corpus first", file=sys.stderr
            )
            report = build_documents(
                store,
                default_documents(),
                base=settings.base,
                validation=settings.validation,
                progress=ProgressBar(),
            )
            for name, message in report.failures:
                print(f"policykg: refused {name}: {message}", file=sys.stderr)
    app = create_app(settings=settings)
    pool = getattr(app.extensions["policykg"].executor, "pool", None)
    if pool is not None:
        pool.start()  # the workers boot while the server binds, not on the first query
    from api.observability import enable_access_log

    enable_access_log()  # one JSON line per request on stderr
    print(
        f"policykg: serving {settings.store} on http://{settings.host}:{settings.port}/ "
        f"(SPARQL at /sparql, REST at /api/v1)",
        file=sys.stderr,
    )
    waitress.serve(
        app,
        host=settings.host,
        port=settings.port,
        threads=settings.threads,
        ident="policykg",
        asyncore_use_poll=True,  # poll(2), not select(2): no limit of 1 024 open connections
    )
    return 0


def add_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``serve`` on the ``policykg`` parser."""
    p = sub.add_parser("serve", help="serve the SPARQL endpoint, the REST API and the pages")
    p.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 5000)")
    p.add_argument("--threads", type=int, help="worker threads (default 8)")
    p.set_defaults(func=cmd_serve)
