# cython: language_level=3
"""The UTF-8 bytes of a str as the annotator writes them, shared by its compiled modules."""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_AsUTF8AndSize


cdef inline const char* utf8(object text, Py_ssize_t* size, list keep) except NULL:
    """text's UTF-8 bytes (surrogateescape, as the input is read); keep holds any copy."""
    try:
        return PyUnicode_AsUTF8AndSize(text, size)  # ASCII: no copy
    except UnicodeEncodeError:  # a byte the input had that is not UTF-8
        encoded = (<str>text).encode("utf-8", "surrogateescape")
        keep.append(encoded)
        size[0] = PyBytes_GET_SIZE(encoded)
        return PyBytes_AS_STRING(encoded)
