"""Screen pixels: the region around the pointer (what the like is about) and the whole screen.

``mss`` grabs in well under a millisecond; encoding the PNGs is the expensive part, so it uses a
fast zlib level — screenshots are evidence, not archives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PNG_LEVEL = 1


@dataclass
class Shot:
    """A grabbed rectangle and where it is on the screen; encoded later, off the grabbing thread."""

    region: tuple[int, int, int, int]  # x, y, width, height
    raw: Any  # mss ScreenShot (owns a copy of the pixels)

    def bgra(self) -> Any:
        """Pixels as a numpy array, height × width × 4, for OCR."""
        import numpy as np

        return np.asarray(self.raw)

    def png(self) -> bytes:
        import mss.tools

        return mss.tools.to_png(self.raw.rgb, self.raw.size, level=PNG_LEVEL)  # type: ignore[return-value]


def clamp_region(
    x: int,
    y: int,
    width: int,
    height: int,
    screen: tuple[int, int, int, int],
) -> tuple[int, int, int, int]:
    """A ``width × height`` box centred on the point, moved (not shrunk) to stay on the screen."""
    sx, sy, sw, sh = screen
    width, height = min(width, sw), min(height, sh)
    left = min(max(x - width // 2, sx), sx + sw - width)
    top = min(max(y - height // 2, sy), sy + sh - height)
    return left, top, width, height


class Screen:
    """One mss handle; mss handles are per thread, so each worker thread makes its own."""

    def __init__(self) -> None:
        import mss

        self._mss = mss.MSS()
        mon = self._mss.monitors[0]
        self.bounds = (mon["left"], mon["top"], mon["width"], mon["height"])

    def grab(self, region: tuple[int, int, int, int]) -> Shot:
        x, y, w, h = region
        return Shot(region, self._mss.grab({"left": x, "top": y, "width": w, "height": h}))

    def full(self) -> Shot:
        return self.grab(self.bounds)

    def close(self) -> None:
        self._mss.close()


@dataclass
class PngShot:
    """A picture handed over as PNG (``grim``, a screenshot portal): the same use as ``Shot``."""

    region: tuple[int, int, int, int]
    data: bytes

    def bgra(self) -> Any:
        import cv2
        import numpy as np

        image = cv2.imdecode(np.frombuffer(self.data, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError("not a PNG picture")
        code = cv2.COLOR_BGR2BGRA if image.ndim == 3 and image.shape[2] == 3 else None
        if image.ndim == 2:
            code = cv2.COLOR_GRAY2BGRA
        return cv2.cvtColor(image, code) if code is not None else image

    def png(self) -> bytes:
        return self.data
