"""Python binding of libtlc.so, the tlc runtime's C ABI (tlc_runtime.h).

    from tlc_runtime import Session
    session = Session("model.tlb", threads=2)
    outputs = session.run({"input": batch})   # float32 numpy arrays
    logits = outputs["logits"]

Needs only numpy and libtlc.so (found next to a build tree's lib/, through
$TLC_LIBRARY, or by the dynamic loader). Inputs are read in place: a
C-contiguous float32 array is not copied. Failures raise TlcError with the
runtime's message.
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["Session", "TlcError", "load_library"]


class TlcError(RuntimeError):
    """A failure reported by the runtime; `status` is its tlc_status code."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _TensorIn(ctypes.Structure):
    # `data` is a const float * in C; a void pointer here takes the array's
    # address as an int (ndarray.ctypes.data_as costs about 10 us a call).
    _fields_ = [("name", ctypes.c_char_p),
                ("data", ctypes.c_void_p),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("rank", ctypes.c_size_t)]


_lib = None


def load_library(path=None):
    """Loads libtlc.so once: `path`, else $TLC_LIBRARY, else the build tree
    this file belongs to, else the loader's search path."""
    global _lib
    if _lib is not None:
        return _lib
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [path, os.environ.get("TLC_LIBRARY"),
                  os.path.join(here, "..", "..", "build", "lib", "libtlc.so"),
                  ctypes.util.find_library("tlc")]
    candidates = [c for c in candidates if c]
    for candidate in candidates:
        if os.path.sep in candidate and not os.path.exists(candidate):
            continue
        lib = ctypes.CDLL(candidate)
        break
    else:
        raise OSError("libtlc.so not found; build the runtime or set TLC_LIBRARY "
                      f"(looked at: {', '.join(candidates)})")
    c = ctypes
    session_p, outputs_p = c.c_void_p, c.c_void_p
    signatures = {
        "tlc_last_error": (c.c_char_p, []),
        "tlc_session_load": (c.c_int, [c.c_char_p, c.c_int, c.POINTER(session_p)]),
        "tlc_session_free": (None, [session_p]),
        "tlc_session_num_inputs": (c.c_size_t, [session_p]),
        "tlc_session_input_name": (c.c_char_p, [session_p, c.c_size_t]),
        "tlc_session_num_outputs": (c.c_size_t, [session_p]),
        "tlc_session_output_name": (c.c_char_p, [session_p, c.c_size_t]),
        "tlc_session_run_f32": (c.c_int, [session_p, c.POINTER(_TensorIn), c.c_size_t,
                                          c.POINTER(outputs_p)]),
        "tlc_outputs_count": (c.c_size_t, [outputs_p]),
        "tlc_outputs_name": (c.c_char_p, [outputs_p, c.c_size_t]),
        "tlc_outputs_data": (c.c_void_p, [outputs_p, c.c_size_t]),
        "tlc_outputs_shape": (c.POINTER(c.c_int64), [outputs_p, c.c_size_t,
                                                     c.POINTER(c.c_size_t)]),
        "tlc_outputs_free": (None, [outputs_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    _lib = lib
    return lib


def _address(array):
    """The address of an ndarray's first element, cheaply."""
    return array.__array_interface__["data"][0]


def _check(lib, status):
    if status != 0:
        raise TlcError(status, lib.tlc_last_error().decode("utf-8", "replace"))


class Session:
    """A loaded artifact. threads=0: all cores."""

    def __init__(self, path, threads=0, library=None):
        self._lib = load_library(library)
        handle = ctypes.c_void_p()
        _check(self._lib, self._lib.tlc_session_load(os.fsencode(path), threads,
                                                     ctypes.byref(handle)))
        self._handle = handle
        lib = self._lib
        self.input_names = [lib.tlc_session_input_name(handle, i).decode()
                            for i in range(lib.tlc_session_num_inputs(handle))]
        self.output_names = [lib.tlc_session_output_name(handle, i).decode()
                             for i in range(lib.tlc_session_num_outputs(handle))]

    def run(self, inputs):
        """inputs: {name: array}, converted to C-contiguous float32 (copied
        only if they are not already). Returns {name: float32 array}."""
        if self._handle is None:
            raise TlcError(1, "the session is closed")
        arrays = {name: np.ascontiguousarray(value, dtype=np.float32)
                  for name, value in inputs.items()}
        feeds = (_TensorIn * len(arrays))()
        keep = []  # the names and shapes live until the call returns
        for feed, (name, array) in zip(feeds, arrays.items()):
            shape = (ctypes.c_int64 * array.ndim)(*array.shape)
            encoded = name.encode()
            keep += [shape, encoded]
            feed.name = encoded
            feed.data = _address(array)
            feed.shape = shape
            feed.rank = array.ndim
        lib, outputs = self._lib, ctypes.c_void_p()
        _check(lib, lib.tlc_session_run_f32(self._handle, feeds, len(arrays),
                                            ctypes.byref(outputs)))
        try:
            result = {}
            for i in range(lib.tlc_outputs_count(outputs)):
                rank = ctypes.c_size_t()
                dims = lib.tlc_outputs_shape(outputs, i, ctypes.byref(rank))
                shape = tuple(dims[:rank.value])
                data = lib.tlc_outputs_data(outputs, i)
                name = lib.tlc_outputs_name(outputs, i).decode()
                if not data:
                    raise TlcError(4, f"output '{name}' is not float32")
                array = np.empty(shape, np.float32)
                ctypes.memmove(_address(array), data, array.nbytes)
                result[name] = array
            return result
        finally:
            lib.tlc_outputs_free(outputs)

    def close(self):
        if self._handle is not None:
            self._lib.tlc_session_free(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
