"""The policykg ontology and its SHACL shapes, shipped as package data (no code lives here)."""

from importlib.resources import files

ONTOLOGY_TTL = files(__name__) / "policykg.ttl"
ONTOLOGY_OWL = files(__name__) / "policykg.owl"
SHAPES_TTL = files(__name__) / "shapes.ttl"
