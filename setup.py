"""The compiled modules (the rest is in pyproject.toml): the annotator's hot loops."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(ext_modules=cythonize(
    [Extension(f"gas_annotator.engine.{name}",
               [f"services/annotator/gas_annotator/engine/{name}.pyx"])
     for name in ("entry_text", "placing", "translation", "vcf_columns")],
    compiler_directives={"language_level": "3"},
    include_path=["services/annotator"]))  # utf8_text.pxd
