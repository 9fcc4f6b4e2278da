"""Policy documents → plain records: reading, structure, measures, mentions, attribution.

No RDF here (``graph`` turns the records into triples) and no vocabulary of our own: the words
the extractor recognises come from the ontology through :class:`~loaders.lexicon.Lexicon`.

Entry points:

- :func:`load_document` — read and extract one document into a
  :class:`~loaders.records.DocumentRecord`;
- :func:`read_text` — reading only (format and encoding detected from the bytes);
- :data:`EXTRACTOR_VERSION` — recorded in each document's provenance.
"""

from loaders.errors import LoaderError
from loaders.pipeline import EXTRACTOR_VERSION, load_document
from loaders.reading import SourceText, read_text

__all__ = ["EXTRACTOR_VERSION", "LoaderError", "SourceText", "load_document", "read_text"]
