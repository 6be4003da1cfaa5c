"""The one compiled module (the rest is in pyproject.toml): the annotator's entry writer."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension("gas_annotator.engine.entry_text",
               ["services/annotator/gas_annotator/engine/entry_text.pyx"])],
    compiler_directives={"language_level": "3"}))
