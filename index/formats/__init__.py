"""Readers for the file formats speeches come in: Word, PDF, web pages, and legacy office files.

Each reader turns one file into a :class:`~index.formats.base.RawDocument`: the text as lines,
plus what the format knows and plain text does not (which lines are headings, where a
paragraph goes on in the next line, the page of each line, title and date from metadata,
furniture already removed). ``index.reader`` dispatches on the suffix and runs the common
cleaning / splitting / structuring / chunking pipeline on the result.
"""
