"""The routes of the reference extranet, one module per part a reader opens alone.

Each module lists its own ``ROUTES`` in the order of docs/PROCEDURE.md; ``extranet.app``
only puts them together. Paths, headings and labels follow docs/ARCHITECTURE.md exactly:
the page objects depend on them.
"""
