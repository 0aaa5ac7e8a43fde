"""Reading and writing safetensors files.

No safetensors package is installable here (Debian has none and PyPI is not reachable), so
this module reads and writes the format itself; it is small:

    8 bytes   little-endian unsigned length N of the header
    N bytes   a JSON object: for each tensor name {"dtype", "shape", "data_offsets":
              [begin, end]} (offsets into the data buffer), plus "__metadata__", a map of
              strings to strings
    the rest  the data buffer: each tensor's values, little-endian, row-major

fusionlens keeps its configuration JSON under "fusionlens.config" and its training record
(kind, seed, epochs, ...) under "fusionlens.meta" in __metadata__.
"""

import json
import os
import struct
import tempfile

import numpy as np
import torch

META_CONFIG = "fusionlens.config"
META_META = "fusionlens.meta"

_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U8": np.uint8, "BOOL": np.bool_,
}
_NAMES = {np.dtype(v).str.lstrip("<|="): k for k, v in _DTYPES.items()}

# The largest header read, as fusionlens's default limit (a bad length cannot make us
# allocate gigabytes).
MAX_HEADER = 16 << 20


def _dtype_name(a):
    key = a.dtype.newbyteorder("<").str.lstrip("<|=")
    if key not in _NAMES:
        raise ValueError("safetensors: dtype %s cannot be stored" % a.dtype)
    return _NAMES[key]


def encode(tensors, metadata=None):
    """Return the bytes of a safetensors file holding tensors (name -> torch tensor or numpy
    array, written in the order given) and metadata (str -> str)."""
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise ValueError("safetensors: metadata must map strings to strings (%r)" % (k,))
        header["__metadata__"] = dict(metadata)
    blobs, at = [], 0
    for name, t in tensors.items():
        if name == "__metadata__":
            raise ValueError("safetensors: the name __metadata__ is reserved")
        a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
        b = a.tobytes()
        header[name] = {"dtype": _dtype_name(a), "shape": list(a.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)  # the data start 8-byte aligned
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def decode(data):
    """Read the bytes of a safetensors file: (dict name -> numpy array, metadata dict).
    Offsets must tile the data buffer exactly; anything else is a ValueError naming it."""
    if len(data) < 8:
        raise ValueError("safetensors: %d bytes, the header length alone is 8" % len(data))
    (n,) = struct.unpack("<Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise ValueError("safetensors: header of %d bytes in a file of %d" % (n, len(data)))
    header = json.loads(data[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError("safetensors: the header is not a JSON object")
    buf = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    out, spans = {}, []
    for name, e in header.items():
        dt = _DTYPES.get(e.get("dtype"))
        if dt is None:
            raise ValueError("safetensors: tensor %r has dtype %r" % (name, e.get("dtype")))
        shape = [int(s) for s in e["shape"]]
        begin, end = (int(x) for x in e["data_offsets"])
        count = int(np.prod(shape)) if shape else 1
        if end - begin != count * np.dtype(dt).itemsize or begin < 0 or end > len(buf):
            raise ValueError("safetensors: tensor %r: %s %s does not fit data_offsets [%d, %d]"
                             % (name, e["dtype"], shape, begin, end))
        out[name] = np.frombuffer(buf[begin:end], dtype=np.dtype(dt).newbyteorder("<")).reshape(shape).copy()
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            raise ValueError("safetensors: tensor %r starts at byte %d, the one before ends at %d" % (name, begin, at))
        at = end
    if at != len(buf):
        raise ValueError("safetensors: %d data bytes after the last tensor" % (len(buf) - at))
    return out, metadata


def write_atomic(path, data):
    """Write data to path by way of a synced temporary file in the same folder and a
    rename, so that path never holds a half-written file."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=d)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # as a plain open would, not mkstemp's 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save(path, tensors, metadata=None):
    """Write tensors and metadata to path as safetensors, atomically."""
    write_atomic(path, encode(tensors, metadata))


def load(path):
    """Read the safetensors file at path: (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        return decode(f.read())


def save_model(path, net, meta=None):
    """Write a FusionNet to path as float32 safetensors that fusionlens opens: its
    state_dict (batch-norm counters left out, as fusionlens keeps none) with the
    configuration and meta (a dict; kind is set to "fusion") in the metadata."""
    m = dict(meta or {})
    m["kind"] = "fusion"
    m.setdefault("seed", 0)
    tensors = {k: v.detach().to(torch.float32) for k, v in net.state_dict().items()
               if not k.endswith(".num_batches_tracked")}
    md = {"format": "pt", META_CONFIG: json.dumps(net.config, separators=(",", ":")),
          META_META: json.dumps(m, separators=(",", ":"))}
    save(path, tensors, md)


def load_model(path, dtype=torch.float32):
    """Read a fusionlens safetensors file (written by fusionlens or save_model) into a
    FusionNet in eval mode, with load_state_dict(strict=True): (net, meta dict)."""
    from .model import FusionNet

    tensors, md = load(path)
    if META_CONFIG not in md:
        raise ValueError("%s: no %r in the safetensors metadata: not a fusionlens model" % (path, META_CONFIG))
    net = FusionNet(json.loads(md[META_CONFIG]))
    state = {k: torch.from_numpy(v) for k, v in tensors.items()}
    for k, v in net.state_dict().items():  # fusionlens stores no batch-norm counters
        if k.endswith(".num_batches_tracked") and k not in state:
            state[k] = v
    net.load_state_dict(state, strict=True)
    net.to(dtype).eval()
    return net, json.loads(md.get(META_META, "{}"))
