"""Canned SPARQL queries, one ``.rq`` file per question (data only; read by ``graph.catalogue``)."""
