"""Textual chat front end. Only this package imports Textual; the CLI calls :func:`tui.app.run`."""
