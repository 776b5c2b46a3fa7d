"""How test inputs reach the kernel and results come back: ``.npz`` files, never pickle.

The grader writes the cases with :func:`write_cases`; the harness in the kernel reads
them, calls the student's function and writes :class:`~gancourse.exercises.spec.Output`
records with :func:`write_outputs`; the grader reads those with :func:`read_outputs`,
which loads with ``allow_pickle=False``, caps sizes, and validates every field, so a
file forged by the notebook can at worst carry wrong numbers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from gancourse.exercises.spec import Case, Output

MAX_RESULT_BYTES = 64 * 2**20
_FIELDS = ("kind", "type_name", "dtype", "device", "message")
_KINDS = {"tensor", "ndarray", "number", "bool", "none", "other", "error", "notimplemented"}


class TransportError(ValueError):
    """A result file that is missing, too large or malformed."""


def write_cases(path: Path, cases: list[Case]) -> None:
    arrays = {"__n_cases__": np.array(len(cases))}
    for i, case in enumerate(cases):
        for k, v in case.items():
            arrays[f"{i}/{k}"] = np.asarray(v)
    np.savez(path, **arrays)


def read_cases(path: Path) -> list[Case]:
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    n = int(data.pop("__n_cases__"))
    cases: list[Case] = [{} for _ in range(n)]
    for key, v in data.items():
        i, name = key.split("/", 1)
        cases[int(i)][name] = v
    return cases


def encode_output(arrays: dict, prefix: str, out: Output) -> None:
    for field in _FIELDS:
        arrays[f"{prefix}/{field}"] = np.array(str(getattr(out, field))[:2000])
    arrays[f"{prefix}/shape"] = np.array(out.shape, dtype=np.int64).reshape(-1)
    arrays[f"{prefix}/requires_grad"] = np.array(bool(out.requires_grad))
    if out.value is not None:
        arrays[f"{prefix}/value"] = np.asarray(out.value)


def write_outputs(path: Path, status: str, detail: str, results: list[dict[str, Output]]) -> None:
    arrays: dict = {
        "__status__": np.array(status),
        "__detail__": np.array(detail[:2000]),
        "__n_cases__": np.array(len(results)),
    }
    for i, outs in enumerate(results):
        for name, out in outs.items():
            encode_output(arrays, f"{i}/{name}", out)
    np.savez(path, **arrays)


def _str(data: dict, key: str) -> str:
    v = data.get(key)
    if v is None or v.dtype.kind != "U" or v.ndim != 0:
        raise TransportError(f"field {key!r} is not a string")
    return str(v[()])


def read_outputs(path: Path, names: list[str]) -> tuple[str, str, list[dict[str, Output]]]:
    """``(status, detail, results)`` from a harness file; raises TransportError if forged/broken."""
    path = Path(path)
    if not path.is_file():
        raise TransportError("the harness wrote no result file")
    size = path.stat().st_size
    if size > MAX_RESULT_BYTES:
        raise TransportError(f"result file of {size} bytes is larger than {MAX_RESULT_BYTES}")
    try:
        with zipfile.ZipFile(path) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_RESULT_BYTES:
                raise TransportError("result file expands to more than the size limit")
        with np.load(path, allow_pickle=False) as f:
            data = {k: f[k] for k in f.files}
    except TransportError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a broken file
        raise TransportError(f"unreadable result file ({type(exc).__name__}: {exc})") from None
    status, detail = _str(data, "__status__"), _str(data, "__detail__")
    n_arr = data.get("__n_cases__")
    if (
        n_arr is None
        or n_arr.dtype.kind not in "iu"
        or n_arr.ndim != 0
        or not 0 <= int(n_arr) <= 1000
    ):
        raise TransportError("bad case count")
    results: list[dict[str, Output]] = []
    for i in range(int(n_arr)):
        outs: dict[str, Output] = {}
        for name in names:
            p = f"{i}/{name}"
            fields = {f: _str(data, f"{p}/{f}") for f in _FIELDS}
            if fields["kind"] not in _KINDS:
                raise TransportError(f"unknown kind {fields['kind']!r}")
            shape = data.get(f"{p}/shape")
            grad = data.get(f"{p}/requires_grad")
            if shape is None or shape.dtype.kind not in "iu" or shape.ndim != 1:
                raise TransportError("bad shape field")
            if grad is None or grad.dtype.kind != "b" or grad.ndim != 0:
                raise TransportError("bad requires_grad field")
            value = data.get(f"{p}/value")
            if value is not None:
                if value.dtype.kind not in "biuf":
                    raise TransportError("non-numeric value")
                if value.shape != tuple(int(s) for s in shape):
                    raise TransportError("value does not match its declared shape")
            outs[name] = Output(
                shape=tuple(int(s) for s in shape), value=value, requires_grad=bool(grad), **fields
            )
        results.append(outs)
    return status, detail, results
