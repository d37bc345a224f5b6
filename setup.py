"""Builds the one compiled module, harvester/report/_htmlwalk.pyx (the HTML reader's tree walks
in C); everything else about the package is declared in pyproject.toml.

The module is optional: without Cython (scrapyd-deploy building an egg in a plain venv) or
without a C compiler, the package installs without it and htmldoc uses its Python walks, which
give the same rows (tests/report/test_fast_paths.py).
"""

from setuptools import Extension, setup


def _extensions() -> list:
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError:
        return []
    walk = Extension("harvester.report._htmlwalk", ["harvester/report/_htmlwalk.pyx"],
                     include_dirs=lxml.get_include())
    extensions = cythonize([walk], quiet=True)
    for extension in extensions:
        extension.optional = True  # a failed compile is a warning (cythonize drops the flag)
    return extensions


setup(ext_modules=_extensions())
