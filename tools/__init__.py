"""Maintainer tools, run from a checkout: the static-site builder, the notebook refresher and the
notebooks' setup cell, the JupyterLite builder and its Pyodide core, the lock.

They are not part of the ``mgedu`` package and are not shipped in its wheel: learners never need
them. Run them from the repository root: ``python -m tools.site --out _build/html`` (``make html``)
and ``python -m tools.refresh notebooks/NN-name.ipynb``. They may import ``mgedu``; ``mgedu`` never
imports them.
"""
