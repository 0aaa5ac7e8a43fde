"""The CSV of cases that cmd/train reads, read as Go's package casefile reads it.

One row a case; a header names the columns; the column "label" holds the class; the image
columns (given by the caller) hold file paths relative to the CSV's folder; every other
column is a tabular variable. The rules mirror casefile's, so that the schema inferred
here is the one cmd/train infers from the same file and seed (a Go test checks it):

* classes: the label values, trimmed; all integers -> sorted numerically and named by
  their decimal text ("01" is "1"), else sorted as text;
* split: stratified 70/10/20 by class with Go's PCG generator (cohort.SplitLabels):
  within each class, in class order, the rows are shuffled and cut test, validation,
  training with round-half-away sizes;
* a tabular column is numeric when every value is a plain number (schema.ParseNumber),
  else categorical with its distinct values sorted as levels; a numeric variable's mean
  and population SD come from the training rows, its range is the training range widened
  by its own width on each side (not below 0 when no training value is negative);
* images: size and channels from the files (grey or colour; one size per column); values
  in [0, 1] as float32, channel-major: 8-bit / 255, 16-bit / 65535, colour composited
  over black; .npy arrays of uint8, uint16 or floats in [0, 1].

PNG, JPEG and .npy images are read here; DICOM and resampling to another size are not
(cmd/train reads those): convert such images to PNG or .npy of the network's size first.
"""

import csv
import io
import math
import os
import re

import numpy as np

LABEL = "label"
TABULAR_GROUP = "tabular"
VAL_SHARE, TEST_SHARE = 0.1, 0.2
SPLIT_STREAM = 0x636F686F72747370  # "cohortsp", cohort's stream of the split's shuffles
MAX_LEVELS, MAX_CLASSES = 64, 10

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class CaseError(ValueError):
    """A problem with the data, naming the row (1-based, the header is row 0) and column."""


class Table:
    """A parsed CSV: path, dir (where relative image paths start), header and rows."""

    def __init__(self, header, rows, directory, path=""):
        self.header, self.rows, self.dir, self.path = header, rows, directory, path

    def column(self, name):
        return self.header.index(name) if name in self.header else -1

    def error(self, r, c, msg):
        where = []
        if r >= 0:
            where.append("row %d" % (r + 1))
        if c >= 0:
            where.append("column %r" % self.header[c])
        return CaseError("cases: %s: %s" % (", ".join(where), msg) if where else "cases: " + msg)


def read_csv(path):
    """Read the CSV of cases at path (a UTF-8 byte order mark and blank lines are ignored)."""
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    if not records:
        raise CaseError("cases: %s is empty: want a header row and one row per case" % path)
    header = [h.strip() for h in records[0]]
    for i, h in enumerate(header):
        if not _NAME.match(h):
            raise CaseError("cases: header column %d %r: use 1..64 letters, digits, '_', '.' and '-'" % (i + 1, h))
    if len(set(header)) != len(header):
        raise CaseError("cases: the header names a column twice")
    rows = records[1:]
    if not rows:
        raise CaseError("cases: %s has a header but no rows of cases" % path)
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise CaseError("cases: row %d: %d cells, the header has %d columns" % (r + 1, len(row), len(header)))
    return Table(header, rows, os.path.dirname(path), path)


def parse_number(s):
    """A plain decimal number as schema.ParseNumber reads it, or None."""
    if not _NUMBER.match(s):
        return None
    x = float(s)
    return x if math.isfinite(x) else None


def _class_key(cell):
    s = cell.strip()
    if _INTEGER.match(s) and -(1 << 63) <= int(s) < (1 << 63):
        return str(int(s)), int(s), True
    return s, 0, False


def classes_and_labels(t):
    """The class names (as casefile.Labels orders them) and each row's class index."""
    c = t.column(LABEL)
    if c < 0:
        raise CaseError("cases: no %r column: every case needs its class" % LABEL)
    seen, all_num = {}, True
    for r, row in enumerate(t.rows):
        key, num, is_num = _class_key(row[c])
        if key == "":
            raise t.error(r, c, "no class: every case needs its class")
        all_num = all_num and is_num
        seen.setdefault(key, num)
        if len(seen) > MAX_CLASSES:
            raise t.error(r, c, "more than %d classes" % MAX_CLASSES)
    if len(seen) < 2:
        raise t.error(-1, c, "every case has one class: want 2..%d" % MAX_CLASSES)
    classes = sorted(seen, key=(lambda k: seen[k]) if all_num else None)
    index = {k: i for i, k in enumerate(classes)}
    return classes, [index[_class_key(row[c])[0]] for row in t.rows]


class PCG:
    """Go's math/rand/v2 PCG generator (128-bit LCG, DXSM output) and the two methods of
    rand.Rand that the split uses, so that a seed splits the rows as cmd/train does."""

    M64 = (1 << 64) - 1
    MUL = (2549297995355413924 << 64) | 4865540595714422341
    INC = (6364136223846793005 << 64) | 1442695040888963407

    def __init__(self, seed1, seed2):
        self.state = ((seed1 & self.M64) << 64) | (seed2 & self.M64)

    def uint64(self):
        self.state = (self.state * self.MUL + self.INC) & ((1 << 128) - 1)
        hi, lo = self.state >> 64, self.state & self.M64
        hi ^= hi >> 32
        hi = (hi * 0xDA942042E4DD58B5) & self.M64
        hi ^= hi >> 48
        return (hi * (lo | 1)) & self.M64

    def uint64n(self, n):
        if n & (n - 1) == 0:
            return self.uint64() & (n - 1)
        prod = self.uint64() * n
        hi, lo = prod >> 64, prod & self.M64
        if lo < n:
            thresh = (-n) % n
            while lo < thresh:
                prod = self.uint64() * n
                hi, lo = prod >> 64, prod & self.M64
        return hi

    def shuffle(self, a):
        for i in range(len(a) - 1, 0, -1):
            j = self.uint64n(i + 1)
            a[i], a[j] = a[j], a[i]


def _round(x):
    return int(math.floor(x + 0.5))  # Go's math.Round for x >= 0


def split_labels(labels, seed, val=VAL_SHARE, test=TEST_SHARE):
    """(train, val, test) row indices, stratified by label, as cohort.SplitLabels."""
    by = {}
    for i, l in enumerate(labels):
        by.setdefault(l, []).append(i)
    r = PCG(seed, SPLIT_STREAM)
    tr, va, te = [], [], []
    for l in sorted(by):
        idx = by[l]
        r.shuffle(idx)
        n_test = _round(test * len(idx))
        n_val = min(_round(val * len(idx)), len(idx) - n_test)
        te += idx[:n_test]
        va += idx[n_test:n_test + n_val]
        tr += idx[n_test + n_val:]
    return sorted(tr), sorted(va), sorted(te)


def parse_groups(spec):
    """A group spec "g=a,b;h=c" as [(name, [columns])]."""
    out = []
    for part in spec.split(";"):
        if not part.strip():
            continue
        if "=" not in part:
            raise CaseError("cases: group %r has no '=': want name=column,column,..." % part.strip())
        name, cols = part.split("=", 1)
        out.append((name.strip(), [c.strip() for c in cols.split(",")]))
    return out


def _image_path(t, cell):
    p = cell.strip()
    return p if os.path.isabs(p) else os.path.join(t.dir, p)


def _read_image(path):
    """(channels, height, width) float32 values in [0, 1] of a PNG, JPEG or .npy file."""
    if path.endswith(".npy"):
        a = np.load(path, allow_pickle=False)
        scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(a.dtype, 1.0)
        if a.ndim == 2:
            a = a[None]
        elif a.ndim == 3 and a.shape[2] in (1, 3) and a.shape[0] not in (1, 3):
            a = a.transpose(2, 0, 1)
        if a.ndim != 3 or a.shape[0] not in (1, 3):
            raise ValueError(".npy image has shape %s: want (H, W), (C, H, W) or (H, W, C)" % (a.shape,))
        x = (a.astype(np.float64) / scale).astype(np.float32)
        if not ((x >= 0) & (x <= 1)).all():
            raise ValueError(".npy image values must lie in [0, 1]")
        return x
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        if im.mode == "L":
            return (np.asarray(im, dtype=np.float32) / np.float32(255))[None]
        if im.mode in ("I;16", "I;16B", "I"):
            return (np.asarray(im).astype(np.float32) / np.float32(65535))[None]
        rgba = np.asarray(im.convert("RGBA"), dtype=np.uint32)
        a = rgba[..., 3:4]
        # 16-bit premultiplied values, as Go's color.RGBA() gives them, then / 65535.
        rgb = (rgba[..., :3] * 257 * a // 255).astype(np.float32) / np.float32(65535)
        return rgb.transpose(2, 0, 1).copy()


def infer_schema(t, images, groups=None, train=None):
    """The schema of a network reading t (see the module doc): images are the image
    columns, groups [(name, [columns])] or None (every other column in one group named
    "tabular"), train the training row indices (None: every row)."""
    label = t.column(LABEL)
    if label < 0:
        raise CaseError("cases: no %r column: every case needs its class" % LABEL)
    train = list(range(len(t.rows))) if train is None else list(train)
    used = {label}
    s = {"images": [], "groups": [], "classes": classes_and_labels(t)[0]}
    for name in images:
        c = t.column(name)
        if c < 0 or c in used:
            raise CaseError("cases: %r is no free column (the columns are %s)" % (name, ", ".join(t.header)))
        used.add(c)
        shape = None
        for r, row in enumerate(t.rows):
            x = _read_image(_image_path(t, row[c]))
            if shape is None:
                shape = x.shape
                if shape[1] != shape[2]:
                    raise t.error(r, c, "image is %dx%d, not square" % (shape[2], shape[1]))
            elif x.shape != shape:
                raise t.error(r, c, "image has shape %s, the column's first %s" % (x.shape, shape))
        s["images"].append({"name": name, "size": shape[1], "channels": shape[0]})
    if groups is None:
        cols = [h for i, h in enumerate(t.header) if i not in used]
        groups = [(TABULAR_GROUP, cols)] if cols else []
    for gname, cols in groups:
        g = {"name": gname, "variables": []}
        for name in cols:
            c = t.column(name)
            if c < 0 or c in used:
                raise CaseError("cases: group %r: %r is no free column" % (gname, name))
            used.add(c)
            g["variables"].append(_infer_variable(t, c, train))
        s["groups"].append(g)
    for i, h in enumerate(t.header):
        if i not in used:
            raise CaseError("cases: column %r is in no group" % h)
    return s


def _infer_variable(t, c, train):
    cells = [row[c].strip() for row in t.rows]
    for r, cell in enumerate(cells):
        if cell == "":
            raise t.error(r, c, "no value: every case needs every value")
    if any(parse_number(x) is None for x in cells):
        levels = sorted(set(cells))
        if len(levels) > MAX_LEVELS or len(levels) < 2:
            raise t.error(-1, c, "%d distinct values: a categorical variable has 2..%d" % (len(levels), MAX_LEVELS))
        return {"name": t.header[c], "kind": "categorical", "levels": levels}
    xs = [parse_number(cells[r]) for r in train]
    s = 0.0
    for x in xs:
        s += x
    mean = s / len(xs)
    sq = 0.0
    for x in xs:
        sq += (x - mean) * (x - mean)
    sd = math.sqrt(sq / len(xs))
    lo, hi = min(xs), max(xs)
    if not (hi > lo) or not (sd > 0):
        raise t.error(-1, c, "every training case has the value %r: drop the column" % lo)
    w = hi - lo
    vmin, vmax = lo - w, hi + w
    if lo >= 0:
        vmin = max(vmin, 0.0)
    return {"name": t.header[c], "kind": "numeric", "mean": mean, "sd": sd, "min": vmin, "max": vmax}


def encode_tabular(schema, values):
    """The tabular vector (float32) of one case from {variable name: cell text}: numeric
    values standardised (float32((v - mean) / sd)) after the range check, categorical
    levels one-hot."""
    out = []
    for g in schema.get("groups") or []:
        for v in g["variables"]:
            cell = values[v["name"]].strip()
            if v["kind"] == "categorical":
                if cell not in v["levels"]:
                    raise CaseError("cases: variable %r: %r is not one of its levels" % (v["name"], cell))
                out += [1.0 if l == cell else 0.0 for l in v["levels"]]
                continue
            x = parse_number(cell)
            if x is None:
                raise CaseError("cases: variable %r: %r is not a number" % (v["name"], cell))
            if x < v.get("min", 0) or x > v.get("max", 0):
                raise CaseError("cases: variable %r: %r is outside the plausible range %r..%r"
                                % (v["name"], x, v.get("min", 0), v.get("max", 0)))
            out.append((x - v.get("mean", 0)) / v["sd"])
    return np.asarray(out, dtype=np.float32)


def load_cases(t, schema, rows=None):
    """The rows of t as the network of schema reads them: (images, tabular, labels) with
    images a list of (n, channels, size, size) float32 arrays (one per image input),
    tabular (n, width) float32 and labels (n,) int64 class indices into schema's classes."""
    rows = list(range(len(t.rows))) if rows is None else list(rows)
    label = t.column(LABEL)
    imgs = []
    for im in schema["images"]:
        c = t.column(im["name"])
        if c < 0:
            raise CaseError("cases: no column %r for image input %r" % (im["name"], im["name"]))
        a = np.zeros((len(rows), im["channels"], im["size"], im["size"]), dtype=np.float32)
        for i, r in enumerate(rows):
            x = _read_image(_image_path(t, t.rows[r][c]))
            if x.shape != a.shape[1:]:
                raise t.error(r, c, "image has shape %s, the input reads %s" % (x.shape, a.shape[1:]))
            a[i] = x
        imgs.append(a)
    width = sum(len(v["levels"]) if v["kind"] == "categorical" else 1
                for g in schema.get("groups") or [] for v in g["variables"])
    tab = np.zeros((len(rows), width), dtype=np.float32)
    labels = np.zeros(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):
        row = dict(zip(t.header, t.rows[r]))
        try:
            tab[i] = encode_tabular(schema, row)
        except CaseError as e:
            raise t.error(r, -1, str(e))
        key = _class_key(t.rows[r][label])[0]
        if key not in schema["classes"]:
            raise t.error(r, label, "%r is not a class of the model" % key)
        labels[i] = schema["classes"].index(key)
    return imgs, tab, labels
