"""seckg: build, check and serve the knowledge graph of international security organizations."""

__version__ = "0.1.0"
