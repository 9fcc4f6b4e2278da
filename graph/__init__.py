"""Records → RDF, the stores that hold it, and the queries that read it. No HTTP here.

The layer between ``loaders`` (text → records) and ``api`` (HTTP). Everything that touches
RDF lives here: building named graphs, stores (embedded Oxigraph, in-memory rdflib, remote
SPARQL servers), reasoning, SHACL validation, export, the canned-query catalogue and the CLI.
"""
