"""Test helper: a fake camera for Chromium (``--use-file-for-fake-video-capture``) that films a
label printed by the project's own ``labels`` package, as a YUV4MPEG2 file."""

from __future__ import annotations

import io
from pathlib import Path

import pymupdf
from PIL import Image, ImageDraw

from labels import LabelData, render_pdf
from labels.codes import CODE128_QUIET, code128_symbol

FRAME = (640, 480)  # a common webcam size; both sides even, as 4:2:0 chroma needs


def label_image(tag: str, url: str, dpi: int = 240) -> Image.Image:
    """The thermal-roll label of an item (QR code, Code 128, tag in clear) as a printer would
    put it on paper, rasterised at ``dpi``."""
    pdf = render_pdf([LabelData(tag=tag, url=url, kind="Ordinateur portable",
                                association="Espace de solidarité numérique")], "roll-62x29")
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        png = document[0].get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY).tobytes("png")
    return Image.open(io.BytesIO(png)).convert("L")


def code128_image(tag: str, module: int = 3, height: int = 140) -> Image.Image:
    """Only the label's Code 128 (the same symbol as on the label), ``module`` pixels a bar."""
    symbol = code128_symbol(tag)
    quiet = CODE128_QUIET * module
    image = Image.new("L", (symbol.width * module + 2 * quiet, height + 2 * quiet), 255)
    draw = ImageDraw.Draw(image)
    for x, _, w, _ in symbol.rects:
        draw.rectangle((quiet + x * module, quiet, quiet + (x + w) * module - 1,
                        quiet + height - 1), fill=0)
    return image


def on_frame(image: Image.Image, size: tuple[int, int] = FRAME) -> Image.Image:
    """The image centred on a light grey frame (a desk under the camera), shrunk to fit."""
    frame = Image.new("L", size, 225)
    image = image.copy()
    image.thumbnail((size[0] - 40, size[1] - 40))
    frame.paste(image, ((size[0] - image.width) // 2, (size[1] - image.height) // 2))
    return frame


def write_y4m(image: Image.Image, path: Path, frames: int = 5, fps: int = 10) -> Path:
    """A still video of ``image`` in YUV4MPEG2 (4:2:0), the format Chromium's fake camera reads
    (it plays the file in a loop)."""
    frame = on_frame(image).convert("YCbCr")
    width, height = frame.size
    y, cb, cr = frame.split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        out.writelines(b"FRAME\n" + planes for _ in range(frames))
    return path
