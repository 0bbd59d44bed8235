"""Reading delimited text files (plain or gzipped) into named string/float columns, with
errors that name the file and the line.

Every loader goes through :func:`read_fields` so that file checks, separator sniffing,
gzip detection and malformed-row reporting behave the same for all formats. Reading is
vectorized with pandas: the yeast files load in about a second.
"""

from __future__ import annotations

import csv
import gzip
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

PathLike = str | os.PathLike[str]
WHITESPACE = r"\s+"
_GZIP_MAGIC = b"\x1f\x8b"


def malformed(path: PathLike, line: int, what: str) -> ValueError:
    """The error every loader raises for a bad row: ``<file>:<line>: <what>``."""
    return ValueError(f"{path}:{line}: {what}")


def existing_file(path: PathLike) -> Path:
    """``path`` as a :class:`Path`, or a ``ValueError`` when it is not a file
    (a ``ValueError`` rather than ``FileNotFoundError`` so that entry points report it as
    bad input)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(f"{path}: no such file")
    return file


def _compression(file: Path) -> str | None:
    # Magic bytes rather than the suffix decide: a ".gz" that is not gzip still reads.
    with file.open("rb") as handle:
        return "gzip" if handle.read(2) == _GZIP_MAGIC else None


def first_line(path: PathLike) -> str:
    """The first line of the (possibly gzipped) file, without its line ending."""
    file = existing_file(path)
    opener = gzip.open if _compression(file) == "gzip" else open
    with opener(file, "rt", encoding="utf-8-sig", errors="replace") as handle:
        return handle.readline().rstrip("\r\n")


def resolve_sep(path: PathLike, sep: str | None) -> str:
    """``sep`` itself, or when ``None`` the separator sniffed from the first line: a tab
    if it has one, else a comma if it has one, else runs of whitespace."""
    if sep is not None:
        return sep
    line = first_line(path)
    return "\t" if "\t" in line else "," if "," in line else WHITESPACE


def header_names(path: PathLike, sep: str) -> list[str]:
    """Column names from the first line, split like the rows will be."""
    line = first_line(path)
    fields = line.split() if sep == WHITESPACE else line.split(sep)
    return [field.strip() for field in fields]


def read_fields(
    path: PathLike,
    fields: Mapping[str, str | int],
    *,
    header: bool,
    sep: str | None = None,
    numeric: Sequence[str] = (),
) -> pd.DataFrame:
    """Read the columns named by ``fields`` (output name -> column name in the header, or
    0-based position) from a delimited, possibly gzipped file.

    Returns a frame with one column per output name (strings, stripped; ``numeric`` ones as
    float64) and ``line``, the 1-based line number of the row in the file. Blank lines are
    skipped. A row that lacks a requested field, or whose numeric field is not a number,
    raises ``ValueError`` naming the file and line; so does a header without a requested
    column. Extra trailing fields on a row are not checked.
    """
    file = existing_file(path)
    sep = resolve_sep(file, sep)
    positions = _positions(file, fields, sep, header)
    usecols = sorted(set(positions.values()))
    kwargs = dict(
        sep=sep,
        header=None,
        skiprows=1 if header else 0,
        usecols=usecols,
        skip_blank_lines=False,  # keeps row i on line i + 1 (+ header)
        compression=_compression(file),
        encoding="utf-8-sig",  # a byte-order mark (Excel exports) is not part of the first name
        encoding_errors="replace",
        # Only empty fields are missing: "NA" or "None" may be gene names.
        keep_default_na=False,
        na_values=[""],
        # Tab and whitespace files (BioGRID, STRING) are not quoted and may hold stray quotes.
        quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE,
    )
    numeric_positions = {positions[name] for name in numeric}
    dtypes = {pos: ("float64" if pos in numeric_positions else str) for pos in usecols}
    try:
        raw = pd.read_csv(file, dtype=dtypes, **kwargs)
    except pd.errors.EmptyDataError:  # nothing after the header
        raw = pd.DataFrame({pos: pd.Series(dtype=dtype) for pos, dtype in dtypes.items()})
    except pd.errors.ParserError as error:
        raise ValueError(f"{path}: {error}".strip()) from None
    except ValueError:
        # A numeric field holds text: read again as text to name the line.
        raw = pd.read_csv(file, dtype=str, **kwargs)
        _raise_first_non_number(path, raw, {name: positions[name] for name in numeric}, header)
        raise
    lines = np.arange(len(raw), dtype=np.int64) + (2 if header else 1)
    blank = raw.isna().all(axis=1).to_numpy()
    # Columns stay pandas strings (Arrow-backed where pyarrow is installed): vectorized string
    # operations and a fraction of the memory of Python objects on screens of millions of rows.
    frame = pd.DataFrame({"line": lines})
    for name, pos in positions.items():
        frame[name] = raw[pos] if name in numeric else raw[pos].str.strip()
    frame = frame[~blank].reset_index(drop=True)
    for name in positions:
        missing = frame[name].isna().to_numpy()
        if name not in numeric:
            missing = missing | (frame[name] == "").to_numpy(dtype=bool, na_value=False)
        if missing.any():
            raise malformed(path, int(frame["line"].to_numpy()[missing.argmax()]), f"missing field {_describe(fields[name])}")
        values = frame[name].to_numpy()
        if name in numeric and not np.isfinite(values).all():
            row = int((~np.isfinite(values)).argmax())
            raise malformed(path, int(frame["line"].to_numpy()[row]), f"{name} {float(values[row])} is not a finite number")
    return frame


def _positions(file: Path, fields: Mapping[str, str | int], sep: str, header: bool) -> dict[str, int]:
    names = header_names(file, sep) if header else []
    positions = {}
    for name, column in fields.items():
        if isinstance(column, int):
            positions[name] = column
        elif not header:
            raise ValueError(f"{file}: column {column!r} is named but the file is read without a header")
        elif column in names:
            positions[name] = names.index(column)
        else:
            raise ValueError(f"{file}: no column {column!r} in header; columns are {', '.join(map(repr, names))}")
    return positions


def _raise_first_non_number(path: PathLike, raw: pd.DataFrame, numeric: Mapping[str, int], header: bool) -> None:
    for name, pos in numeric.items():
        text = raw[pos]
        bad = (text.notna() & pd.to_numeric(text, errors="coerce").isna()).to_numpy()
        if bad.any():
            row = int(bad.argmax())
            raise malformed(path, row + (2 if header else 1), f"{name} {text.iloc[row]!r} is not a number")


def _describe(column: str | int) -> str:
    return repr(column) if isinstance(column, str) else f"#{column + 1}"
