"""The one error the loaders raise: bad input, said plainly, with where and what to do.

``graph`` and the API catch :class:`LoaderError` to refuse a document without a traceback, so
every message names what was wrong, where (file, line, offset when there is one) and how to fix
it. Nothing partial is ever returned next to it.
"""

from __future__ import annotations


class LoaderError(ValueError):
    """A document that cannot be read or has no recognisable policy structure.

    Attributes:
        source: the file name or label of the input, when known.
        line: 1-based line of the problem in the decoded text, when known.
        offset: 0-based character (or byte, before decoding) offset of the problem, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        offset: int | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.offset = offset
        where = []
        if source:
            where.append(source)
        if line is not None:
            where.append(f"line {line}")
        if offset is not None:
            where.append(f"offset {offset}")
        prefix = ": ".join([", ".join(where)]) + ": " if where else ""
        super().__init__(prefix + message)
