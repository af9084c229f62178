"""The distribution's own name (``aparts-sentinel`` on PyPI): its command line, nothing else.

Why a package of its own: the console script dispatches to the monitor and to the reference extranet,
two parts that may not import each other (docs/ARCHITECTURE.md § Packages); this one may import both.
"""
