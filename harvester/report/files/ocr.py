"""Scans: images and image-only PDF pages read by Tesseract (Debian's tesseract-ocr with the
chi_sim data), tables rebuilt from the ruling lines of the image.

A page is rendered (pdftoppm) or decoded (Pillow) under a pixel cap, straightened, and its
ruling lines found with numpy: long dark runs are horizontal lines; between two of them, the
columns that stay dark from top to bottom are the cell borders. Grid slots follow from those
edges, merged cells from the borders and lines that are missing. The lines are then erased and
Tesseract reads the page once (TSV: every word with its box and confidence); each word goes to
the cell under its centre. A cell's confidence is its lowest word's; a cell with ink and no
word has confidence 0, an empty one is blank with confidence 99. Values whose digits OCR
confused with letters (O for 0, l for 1) are corrected with their confidence capped, so they
are flagged, never silently trusted; value cells read doubtfully get a second, digits-only
look (their crops stacked in one image, one Tesseract call per table).
"""

from __future__ import annotations

import re
import tempfile
from io import BytesIO
from pathlib import Path

from .. import templates
from .layout import Document, Placed
from .pdf import Item, PageItems, assemble
from .safety import (MAX_OCR_PAGES, MAX_PIXELS, OCR_DPI, OCR_TIMEOUT, RENDER_TIMEOUT, FileRejected,
                     check_pixels, run_limited)

WORK_PIXELS = 40_000_000  # pages are analysed at most this large (A3 at 300 dpi is 17 million)
LANG = "chi_sim"
PSM = "6"  # one block of text: finds the lone digits of a table that sparse mode (11) misses
_CONFUSED = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "Q": "0", "l": "1", "I": "1", "|": "1",
                           "i": "1", "!": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "g": "9",
                           "，": ",", "。": ".", "．": "."})
_NUMBERISH = re.compile(r"^[\dOoDQlIi|!ZzSsBg〇，,。．.]{1,12}$")
_CORRECTED_CONFIDENCE = 50.0


def ocr_image(body: bytes) -> Document:
    """An image file (PNG, JPEG, TIFF, ...) as rows: each frame of a TIFF is a page."""
    from PIL import Image, UnidentifiedImageError

    try:
        img = Image.open(BytesIO(body))
    except Image.DecompressionBombError as e:  # Pillow's own cap, above ours, checked at open
        raise FileRejected(f"image too large: {e}") from None
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise FileRejected(f"unreadable image: {e}") from None
    check_pixels(*img.size)
    pages = []
    try:
        for frame in range(getattr(img, "n_frames", 1)):
            if frame >= MAX_OCR_PAGES:
                raise FileRejected(f"image with more than {MAX_OCR_PAGES} frames")
            img.seek(frame)
            check_pixels(*img.size)
            dpi = _dpi_of(img)
            pages.append(ocr_page(img.convert("L"), dpi))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
        raise FileRejected(f"unreadable image: {type(e).__name__}: {e}") from None
    doc = Document(read_by="ocr")
    assemble(doc, pages)
    return doc


def _dpi_of(img) -> int:
    dpi = img.info.get("dpi")
    try:
        d = int(round(float(dpi[0]))) if dpi else 0
    except (TypeError, ValueError, IndexError):
        d = 0
    if 70 <= d <= 1200:
        return d
    return max(150, min(600, round(img.size[0] / 8.27)))  # assume an A4 page's width


def ocr_pdf_pages(body: bytes, pages: list[int]) -> list[PageItems]:
    """Scanned pages of a PDF (0-based indexes), rendered by pdftoppm in a limited process."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(body)
    try:
        sizes = [pdf[i].get_size() for i in pages]
    finally:
        pdf.close()
    out = []
    with tempfile.TemporaryDirectory(prefix="harvester-ocr-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(body)
        for i, (w_pt, h_pt) in zip(pages, sizes):
            dpi = OCR_DPI
            if w_pt * h_pt * (dpi / 72) ** 2 > MAX_PIXELS:
                dpi = int(72 * (MAX_PIXELS / max(w_pt * h_pt, 1)) ** 0.5)
            if dpi < 100:
                raise FileRejected(f"PDF page {i + 1} too large to render for OCR ({w_pt:.0f} x {h_pt:.0f} pt)")
            run_limited(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(i + 1), "-l", str(i + 1), "-singlefile",
                         "-png", "in.pdf", f"page{i}"], timeout=RENDER_TIMEOUT, what=f"rendering PDF page {i + 1}",
                        cwd=tmp)
            path = Path(tmp) / f"page{i}.png"
            if not path.exists():
                raise FileRejected(f"rendering PDF page {i + 1} gave no image")
            with Image.open(path) as img:
                check_pixels(*img.size, what=f"PDF page {i + 1}")
                out.append(ocr_page(img.convert("L"), dpi))
            path.unlink()
    return out


# --- one page --------------------------------------------------------------------------------
def ocr_page(img, dpi: int) -> PageItems:
    """Tables and text lines of one grey page image, in pixel coordinates."""
    import numpy as np
    from PIL import Image

    if img.size[0] * img.size[1] > WORK_PIXELS:  # a huge scan: read at about 300 dpi, not more
        scale = (WORK_PIXELS / (img.size[0] * img.size[1])) ** 0.5
        img = img.resize((max(1, int(img.size[0] * scale)), max(1, int(img.size[1] * scale))), Image.LANCZOS)
        dpi = max(72, int(dpi * scale))
    img = deskew(img)
    a = np.asarray(img)
    dark = a < _threshold(a)
    tables, lines = find_tables(dark, dpi)
    clean = a.copy()
    clean[lines] = 255
    clean = _despeckle(clean)
    words = tesseract(clean, dpi)
    clean_dark = dark & ~lines
    items: list[Item] = []
    boxes = []
    for cells, bboxes, xs, ys in tables:
        boxes.append((xs[0], ys[0], xs[-1], ys[-1]))
        by_cell: dict[int, list[dict]] = {}
        for w in words:
            cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
            for k, b in enumerate(bboxes):
                if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]:
                    by_cell.setdefault(k, []).append(w)
                    w["used"] = True
                    break
        placed = []
        for k, (r, c, rs, cs) in enumerate(cells):
            ws = by_cell.get(k, [])
            if ws:
                text, conf = _cell_text(ws)
            else:
                x0, y0, x1, y1 = (int(v) for v in bboxes[k])
                m = max(3, dpi // 50)
                ink = clean_dark[y0 + m:y1 - m, x0 + m:x1 - m]
                text, conf = "", (0.0 if ink.size and ink.mean() > 0.004 else 99.0)
            placed.append(Placed(r, c, text, rs, cs, conf))
        _unreadable_values(placed)
        _reread_values(clean, placed, bboxes, dpi)
        items.append(Item(top=float(ys[0]), cells=placed, edges=[float(x) for x in xs], bottom=float(ys[-1])))
    free = [w for w in words if not w.get("used") and not _speck(w)]
    lines: dict[tuple, list[dict]] = {}
    for w in free:
        lines.setdefault(w["line"], []).append(w)
    for ws in lines.values():
        ws.sort(key=lambda w: w["x0"])
        items.append(Item(top=float(min(w["top"] for w in ws)), text=_join_words(ws)))
    items.sort(key=lambda it: it.top)
    return PageItems(items, float(a.shape[1]), float(a.shape[0]))


def _unreadable_values(cells: list[Placed]) -> None:
    """In a row of values, a cell right of the first number that OCR read as neither a number
    nor a blank is an unreadable value: blank with confidence 0 (flagged), so it cannot pass
    for a label and shift the row's other values."""
    from ..cells import LABEL, NUMBER, classify

    rows: dict[int, list[Placed]] = {}
    for c in cells:
        rows.setdefault(c.row, []).append(c)
    for row in rows.values():
        row.sort(key=lambda c: c.col)
        first = next((i for i, c in enumerate(row) if classify(c.text)[0] == NUMBER), None)
        if first is None:
            continue
        for c in row[first + 1:]:
            if classify(c.text)[0] == LABEL:
                c.text, c.confidence = "", 0.0


def _reread_values(img, cells: list[Placed], bboxes: list[tuple], dpi: int) -> None:
    """A second look at the value cells read with low confidence or not at all: their crops,
    stacked in one image, read by Tesseract for digits only (one call per table). A digit-only
    reading that agrees, or that fills a cell the first pass left empty, raises the cell's
    confidence; one that disagrees caps it (both readings cannot be right)."""
    import numpy as np

    from ..cells import NUMBER, classify

    rows: dict[int, list[int]] = {}
    for k, c in enumerate(cells):
        rows.setdefault(c.row, []).append(k)
    todo = []
    for ks in rows.values():
        ks.sort(key=lambda k: cells[k].col)
        first = next((i for i, k in enumerate(ks) if classify(cells[k].text)[0] == NUMBER), None)
        if first is None:
            continue
        label_col = cells[ks[first]].col
        todo += [k for k in ks if cells[k].col >= label_col and (cells[k].confidence or 0) < _REREAD_BELOW
                 and classify(cells[k].text)[0] != "label"]
    if not todo:
        return
    m = max(3, dpi // 50)
    crops = []
    for k in todo:
        x0, y0, x1, y1 = (int(v) for v in bboxes[k])
        crop = img[y0 + m:y1 - m, x0 + m:x1 - m]
        if crop.size:
            crops.append((k, crop))
    if not crops:
        return
    gap = max(20, dpi // 6)
    width = max(c.shape[1] for _, c in crops) + 2 * gap
    height = sum(c.shape[0] + gap for _, c in crops) + gap
    canvas = np.full((height, width), 255, dtype=np.uint8)
    spans = []
    y = gap
    for k, crop in crops:
        canvas[y:y + crop.shape[0], gap:gap + crop.shape[1]] = crop
        spans.append((k, y, y + crop.shape[0]))
        y += crop.shape[0] + gap
    words = tesseract(canvas, dpi, lang="eng", extra=["-c", "tessedit_char_whitelist=0123456789,.-"])
    for k, top, bottom in spans:
        ws = sorted((w for w in words if top <= (w["top"] + w["bottom"]) / 2 <= bottom), key=lambda w: w["x0"])
        if not ws:
            continue
        text = "".join(w["text"] for w in ws)
        conf = min(w["conf"] for w in ws)
        if not re.fullmatch(r"\d[\d,]*(?:\.\d+)?", text):
            continue
        cell = cells[k]
        before = re.sub(r"\s+", "", cell.text)
        if before == text:
            cell.confidence = max(cell.confidence or 0, conf)
        elif not before:
            cell.text, cell.confidence = text, min(conf, _FILLED_CONFIDENCE)
        elif conf >= 90 and (cell.confidence or 0) < 60:
            # a sure digit reading against a doubtful first one: take it, still flagged
            cell.text, cell.confidence = text, min(conf, 60.0)
        else:
            cell.confidence = min(cell.confidence or 0, conf, _CORRECTED_CONFIDENCE)


_REREAD_BELOW = 80.0       # cells below this confidence get the digit-only second look
_FILLED_CONFIDENCE = 85.0  # a value only the second look found


def _speck(word: dict) -> bool:
    """A low-confidence mark of one or two characters outside any table: dust, not text."""
    return word["conf"] < 50 and len(word["text"]) <= 2 and not _CJK_WORD.search(word["text"])


def _cell_text(words: list[dict]) -> tuple[str, float]:
    """A cell's text (Tesseract's lines top to bottom, words left to right) and confidence;
    a label is snapped to the official label it nearly spells, a number's look-alike letters
    are corrected (its confidence capped)."""
    lines: dict[tuple, list[dict]] = {}
    for w in words:
        lines.setdefault(w["line"], []).append(w)
    ordered = sorted(lines.values(), key=lambda ws: min(w["top"] for w in ws))
    text = "\n".join(_join_words(sorted(ws, key=lambda w: w["x0"])) for ws in ordered)
    conf = min(w["conf"] for w in words)
    number = _as_number(text)
    if number is not None and number != text:
        return number, min(conf, _CORRECTED_CONFIDENCE)
    return snap_label(text), conf


def _as_number(text: str) -> str | None:
    """The number a value cell prints once OCR's look-alikes (O for 0, l for 1) and specks
    (a quote or a dot beside it, a stray mark on another line) are taken out; None when the
    cell is not a number."""
    squashed = re.sub(r"\s+", "", text)
    if re.fullmatch(r"-?\d[\d,]*(?:\.\d+)?", squashed):
        return squashed
    parts = [re.sub(r"\s+", "", ln) for ln in text.splitlines() if ln.strip()]
    core = [p for p in parts if re.search(r"[\dOo〇]", p) and _NUMBERISH.match(p.strip(_SPECKS)) and not _CJK_WORD.search(p)]
    junk = [p for p in parts if p not in core]
    if len(core) != 1 or any(len(j) > 2 or _CJK_WORD.search(j) for j in junk):
        return None
    fixed = core[0].strip(_SPECKS).translate(_CONFUSED)
    return fixed if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", fixed) else None


_SPECKS = "\"'“”‘’`´.,，。、·:;：；!|-_~—()（）[]"
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]")


def _join_words(words: list[dict]) -> str:
    out = words[0]["text"]
    for a, b in zip(words, words[1:]):
        cjk = _CJK.match(a["text"][-1]) or _CJK.match(b["text"][0])
        out += ("" if cjk else " ") + b["text"]
    return out


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_vocabulary: list[tuple[str, str]] | None = None


def _labels() -> list[tuple[str, str]]:
    """(normalised, printed) official labels: every template's own words (templates.label_rows)."""
    global _vocabulary
    if _vocabulary is None:
        from ..cells import norm_label

        found = {row[col].strip() for row in templates.label_rows()
                 for col in ("label_zh", "group_zh", "subgroup_zh", "article") if (row[col] or "").strip()}
        _vocabulary = sorted((norm_label(t), t) for t in found)
    return _vocabulary


def _forget_labels() -> None:
    global _vocabulary
    _vocabulary = None


templates.on_change(_forget_labels)


def snap_label(text: str, least: float = 0.6) -> str:
    """The official label an OCR'd label nearly spells (one clear best match at a similarity
    of at least `least`), else the text as read. Numbers and short marks are left alone."""
    from difflib import SequenceMatcher

    from ..cells import LABEL, classify, norm_label

    if classify(text)[0] != LABEL:
        return text
    n = norm_label(text)
    if len(n) < 2:
        return text
    scored = sorted(((SequenceMatcher(None, n, v).ratio(), printed) for v, printed in _labels()), reverse=True)
    if not scored or scored[0][0] < least or norm_label(scored[0][1]) == n:
        return text
    if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.08:
        return text
    return scored[0][1]


def _despeckle(a):
    """Scanner dust and JPEG speckles removed (a 3x3 median) before OCR: isolated dots are
    read as punctuation or glue characters together."""
    from PIL import Image, ImageFilter
    import numpy as np

    return np.asarray(Image.fromarray(a).filter(ImageFilter.MedianFilter(3)))


def _threshold(a) -> int:
    """Otsu's threshold of a grey image (ink below, paper above)."""
    import numpy as np

    hist = np.bincount(a[::4, ::4].ravel(), minlength=256).astype(float)
    total = hist.sum()
    if not total:
        return 128
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    mean = m0[-1] / total
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mean * w0 - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    t = int(between.argmax())
    return max(60, min(t, 200))


def deskew(img, limit: float = 2.0, step: float = 0.1):
    """The page turned straight: the small angle whose rows of ink are sharpest (table lines
    and text lines then run along pixel rows)."""
    import numpy as np

    small = img.reduce(4) if min(img.size) > 800 else img
    best, best_score = 0.0, -1.0
    n = int(limit / step)
    for k in range(-n, n + 1):
        angle = k * step
        rot = small.rotate(angle, fillcolor=255) if angle else small
        ink = (np.asarray(rot) < 128).sum(axis=1).astype(float)
        score = float((ink ** 2).sum())
        if score > best_score:
            best, best_score = angle, score
    if abs(best) < step / 2:
        return img
    from PIL import Image
    return img.rotate(best, resample=Image.BICUBIC, fillcolor=255)


def _runs(mask, length: int, axis: int):
    """Pixels of `mask` that lie in a straight run of at least `length` along `axis`."""
    import numpy as np

    m = mask if axis == 1 else mask.T
    h, w = m.shape
    if w < length:
        return np.zeros_like(mask)
    c = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(m, axis=1, out=c[:, 1:])
    starts = (c[:, length:] - c[:, :-length]) == length          # window [x, x+length) all set
    s = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(np.pad(starts, ((0, 0), (0, length - 1))), axis=1, out=s[:, 1:])
    covered = (s[:, 1:] - np.pad(s[:, 1:], ((0, 0), (length, 0)))[:, :w]) > 0
    return covered if axis == 1 else covered.T


def _centres(flags) -> list[tuple[int, int]]:
    """(start, end) of runs of True in a 1-D array."""
    import numpy as np

    f = np.concatenate([[False], flags, [False]]).astype(np.int8)
    d = np.diff(f)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def find_tables(dark, dpi: int):
    """Tables of a page: for each, its cells as (row, col, rowspan, colspan), their pixel
    boxes, the column and row edges; and the mask of ruling-line pixels (to erase)."""
    import numpy as np

    h, w = dark.shape
    thick = dark | np.roll(dark, 1, axis=0) | np.roll(dark, -1, axis=0)
    horizontal = _runs(thick, max(40, int(dpi * 0.35)), axis=1)
    row_ink = horizontal.sum(axis=1)
    hlines = [((a + b) // 2, a, b) for a, b in _centres(row_ink >= max(40, int(dpi * 0.35)))]
    wide = dark | np.roll(dark, 1, axis=1) | np.roll(dark, -1, axis=1)
    margin = max(3, dpi // 60)
    bands = []   # (index of the line above, borders)
    for k in range(len(hlines) - 1):
        top, bottom = hlines[k][2] + margin, hlines[k + 1][1] - margin
        if bottom - top < max(4, dpi // 30):
            continue
        # line to line: a border meets both lines; a character's stroke stops at the padding
        frac = wide[hlines[k][0]:hlines[k + 1][0] + 1].mean(axis=0)
        borders = [(a + b - 1) / 2 for a, b in _centres(frac >= 0.9)]
        if len(borders) >= 2:
            bands.append((k, borders))
    lines_mask = horizontal.copy()
    tables = []
    group: list[tuple[int, list[float]]] = []
    for band in bands + [None]:
        if band is not None and (not group or band[0] == group[-1][0] + 1):
            group.append(band)
            continue
        if len(group) >= 2 or (group and len(group[0][1]) >= 3):
            tables.append(_table(group, hlines, horizontal, dpi, lines_mask, wide))
        group = [band] if band is not None else []
    return tables, lines_mask


def _table(group, hlines, horizontal, dpi, lines_mask, wide):
    """Grid cells of one table from its bands (rows between two ruling lines)."""
    tol = max(4, dpi // 30)
    xs: list[float] = []
    for x in sorted(x for _, borders in group for x in borders):
        if not xs or x - xs[-1] > tol:
            xs.append(x)
    first = group[0][0]
    ys = [hlines[first + i][0] for i in range(len(group) + 1)]

    def col(x):
        return min(range(len(xs)), key=lambda i: abs(xs[i] - x))

    cells: list[list[int]] = []   # [row, col, rowspan, colspan]
    above: dict[tuple[int, int], int] = {}   # (col0, col1) of a cell open at the band above -> index
    for r, (k, borders) in enumerate(group):
        here = {}
        for a, b in zip(borders, borders[1:]):
            c0, c1 = col(a), col(b)
            if c1 <= c0:
                continue
            x0, x1 = int(a) + tol, int(b) - tol
            y = ys[r]
            lined = horizontal[max(0, y - tol):y + tol + 1, x0:max(x0 + 1, x1)].any(axis=0).mean() if x1 > x0 else 1.0
            if r and lined < 0.5 and (c0, c1) in above:
                i = above[(c0, c1)]
                cells[i][2] += 1
                here[(c0, c1)] = i
            else:
                cells.append([r, c0, 1, c1 - c0])
                here[(c0, c1)] = len(cells) - 1
        above = here
    # ruling-line pixels of the borders, to erase before OCR
    top, bottom = ys[0], ys[-1]
    for x in xs:
        xi = int(round(x))
        lines_mask[top:bottom + 1, max(0, xi - tol // 2):xi + tol // 2 + 1] |= wide[top:bottom + 1, max(0, xi - tol // 2):xi + tol // 2 + 1]
    bboxes = [(xs[c], ys[r], xs[c + cs], ys[r + rs]) for r, c, rs, cs in cells]
    return [tuple(c) for c in cells], bboxes, xs, ys


def tesseract(img_array, dpi: int, lang: str = LANG, extra: list[str] | None = None) -> list[dict]:
    """Words of a page with boxes and confidences (Tesseract's TSV), in a limited process."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="harvester-tess-") as tmp:
        path = Path(tmp) / "page.png"
        Image.fromarray(img_array).save(path)
        out = run_limited(["tesseract", str(path), "stdout", "-l", lang, "--psm", PSM, "--dpi", str(dpi),
                           "-c", "preserve_interword_spaces=1", *(extra or []), "tsv"],
                          timeout=OCR_TIMEOUT, what="OCR (tesseract)", cwd=tmp)
    words = []
    for ln in out.decode("utf-8", "replace").splitlines()[1:]:
        parts = ln.split("\t")
        if len(parts) < 12 or parts[0] != "5":
            continue
        text = parts[11].strip()
        try:
            conf = float(parts[10])
            left, top, width, height = (int(p) for p in parts[6:10])
        except ValueError:
            continue
        if not text or conf < 0:
            continue
        words.append({"x0": left, "x1": left + width, "top": top, "bottom": top + height,
                      "text": text, "conf": conf, "line": tuple(parts[1:5])})
    return words
