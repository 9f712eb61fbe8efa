"""speech-qa: offline question answering over Chinese speeches, with citations."""

__version__ = "0.1.0"
