"""The *Contrôle de sécurité* cryptogram: a real image captcha drawn with Pillow.

Why server-side challenges: the answer never reaches the browser; a challenge lives 10
minutes and is spent by the first check (right or wrong), so a failed attempt always gets a
fresh image and a code cannot be replayed. Renewing simply creates a new challenge.
"""
from __future__ import annotations

import io
import random
import secrets
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .store import Store

# No look-alikes: no 0/O/Q/D, 1/I/L/J, 2/Z, 5/S, 8/B, U/V.
ALPHABET = "ACEFGHKMNPRTWXY34679"
CODE_LENGTH = 6
CHALLENGE_TTL_SECONDS = 10 * 60
WIDTH, HEIGHT = 200, 64
_FONT_CANDIDATES = (
    Path(str(resources.files(__package__ or "extranet"))) / "fonts" / "DejaVuSans-Bold.ttf",  # package data, if shipped
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_answer(raw: str) -> str:
    """What the user typed, compared without case or spaces."""
    return "".join((raw or "").split()).upper()


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_CANDIDATES:
        if candidate.is_file():
            return ImageFont.truetype(str(candidate), 34)
    return ImageFont.load_default(size=34)


def render_png(code: str, seed: str) -> bytes:
    """Draw ``code`` with jittered, rotated glyphs over lines and dots; deterministic per seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), (238, 242, 247))
    draw = ImageDraw.Draw(image)
    for _ in range(250):
        x, y = rng.randrange(WIDTH), rng.randrange(HEIGHT)
        draw.point((x, y), fill=(rng.randrange(120, 220),) * 3)
    font = _font()
    step = (WIDTH - 20) // len(code)
    for index, char in enumerate(code):
        glyph = Image.new("RGBA", (48, 56), (0, 0, 0, 0))
        colour = (rng.randrange(10, 90), rng.randrange(20, 90), rng.randrange(80, 160), 255)
        ImageDraw.Draw(glyph).text((8, 4), char, font=font, fill=colour)
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (10 + index * step + rng.randrange(-3, 4), rng.randrange(0, 10)), glyph)
    for _ in range(5):
        points = [(rng.randrange(WIDTH), rng.randrange(HEIGHT)) for _ in range(2)]
        draw.line(points, fill=(rng.randrange(60, 160), rng.randrange(60, 160), rng.randrange(60, 160)), width=2)
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class Cryptograms:
    """Issue, draw and check challenges stored in the database."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def issue(self, now: float) -> str:
        """A new challenge id (the code stays on the server)."""
        challenge_id = secrets.token_urlsafe(16)
        self.store.add_challenge(challenge_id, new_code(), now + CHALLENGE_TTL_SECONDS, now)
        return challenge_id

    def image(self, challenge_id: str) -> bytes | None:
        code = self.store.challenge_answer(challenge_id)
        return None if code is None else render_png(code, challenge_id)

    def check(self, challenge_id: str, answer: str, now: float) -> bool:
        """Spend the challenge; True only if it was live and the answer matches."""
        if not challenge_id:
            return False
        expected = self.store.spend_challenge(challenge_id, now)
        return expected is not None and secrets.compare_digest(expected, normalize_answer(answer))
