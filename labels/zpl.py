"""Labels as ZPL II for Zebra thermal printers (203 dpi), using the printer's own encoders.

The QR code is ^BQ (model 2, level M) and the barcode ^BC (Code 128), so the printer draws
whole-dot modules itself. Human text goes through ^FH hex escapes: item text can never
contain a ^ or ~ that the printer would read as a command.
"""

from __future__ import annotations

from collections.abc import Sequence

from labels import compose
from labels.codes import CODE128_QUIET, MAX_TAG, MAX_URL, QR_ERROR_LEVELS, check_text
from labels.layouts import Layout
from labels.model import LabelData, LabelError, N_

# Bytes capacity of QR versions 1..15 in byte mode, per level (ISO/IEC 18004 table 7).
_QR_BYTES = {
    "M": (14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287, 331, 362, 412),
    "L": (17, 32, 53, 78, 106, 134, 154, 192, 230, 271, 321, 367, 425, 458, 520),
}
_ZPL_SPECIAL = frozenset(b"^~_")
_REFUSED_IN_CODES = frozenset("^~>")
_REFUSED_IN_ZPL = {
    "url": N_("The address “{value}” contains a character refused in ZPL (^, ~ or >)."),
    "tag": N_("The asset tag “{value}” contains a character refused in ZPL (^, ~ or >)."),
}


def render_zpl(labels: Sequence[LabelData], layout: Layout) -> str:
    """One ^XA…^XZ block per label, sized for the layout's label at 203 dpi."""
    if not layout.is_roll:
        raise LabelError(N_("ZPL prints on rolls only: choose a “roll” layout."))
    plan = compose.plan(layout)
    dots = 203 / 25.4
    header = (
        f"^XA^CI28^PW{round(layout.label_width * dots)}"
        f"^LL{round(layout.label_height * dots)}^LH0,0"
    )
    return "".join(_label(label, plan, header, dots) for label in labels)


def _label(label: LabelData, plan: compose.Plan, header: str, dots: float) -> str:
    """The ZPL of one label."""
    url = _code_text(label.url, "url", MAX_URL)
    tag = _code_text(label.tag, "tag", MAX_TAG)
    parts = [header, _qr(url, plan.qr, dots)]
    if plan.bar is not None:
        parts.append(_barcode(tag, plan.bar, dots))
    for line in compose.text_lines(label, plan.text, plan.details):
        height = round(line.size / 72 * 203)
        x, y = round(line.x * dots), round(line.baseline * dots)
        parts.append(f"^FT{x},{y}^A0N,{height},0^FH_^FD{_field(line.data)}^FS")
    parts.append("^XZ\n")
    return "".join(parts)


def _qr(url: str, box: compose.Box, dots: float) -> str:
    """A model 2 QR at level M (L if M would be too small), whole-dot modules, centred."""
    for level in QR_ERROR_LEVELS:
        size = 17 + 4 * _qr_version(len(url), level)
        try:
            magnification = min(10, compose.qr_module_dots(box.w, size, 203))
            break
        except LabelError:
            if level == QR_ERROR_LEVELS[-1]:
                raise
    side = size * magnification
    x = round(box.x * dots + (box.w * dots - side) / 2)
    y = round(box.y * dots + (box.h * dots - side) / 2)
    return f"^FO{x},{y}^BQN,2,{magnification},{level}^FD{level}A,{url}^FS"


def _barcode(tag: str, box: compose.Box, dots: float) -> str:
    """A Code 128 in subset B (mode N), whole-dot modules, centred in the strip."""
    modules = 11 * len(tag) + 35 + 2 * CODE128_QUIET
    module = min(4, int(box.w * dots) // modules)
    if module < 2:
        raise LabelError(N_("The barcode of “{tag}” is too long for the label."), tag=tag)
    x = round(box.x * dots + (box.w * dots - (modules - 2 * CODE128_QUIET) * module) / 2)
    height = round((box.h - 0.8) * dots)
    return f"^FO{x},{round((box.y + 0.8) * dots)}^BY{module}^BCN,{height},N,N,N^FD{tag}^FS"


def _qr_version(length: int, level: str) -> int:
    """The smallest QR version holding length bytes at this level."""
    for version, capacity in enumerate(_QR_BYTES[level], start=1):
        if length <= capacity:
            return version
    raise LabelError(N_("The address is too long for the QR code ({length} characters)."),
                     length=length)


def _code_text(value: str, field: str, longest: int) -> str:
    """Text for a barcode field ("url" or "tag"): printable ASCII without ZPL commands."""
    check_text(value, field, longest)
    if _REFUSED_IN_CODES & set(value):
        raise LabelError(_REFUSED_IN_ZPL[field], value=value)
    return value


def _field(data: bytes) -> str:
    """cp1252 label text as a ^FH field: printable ASCII kept, the rest as _XX UTF-8 hex."""
    out = []
    for ch in data.decode("cp1252"):
        if " " <= ch <= "~" and ord(ch) not in _ZPL_SPECIAL:
            out.append(ch)
        else:
            out.append("".join(f"_{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out)
