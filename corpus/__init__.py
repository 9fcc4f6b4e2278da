"""The bundled default corpus: the documents ``policykg build`` loads when given none."""

from importlib.resources import files
from pathlib import Path


def default_documents() -> list[Path]:
    """Paths of the bundled documents, sorted by name."""
    root = Path(str(files(__name__)))
    return sorted(
        p for p in root.iterdir() if p.is_file() and p.suffix in {".txt", ".html", ".docx", ".pdf"}
    )
