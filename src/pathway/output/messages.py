"""The one message catalogue (``messages.yaml`` beside this module): every label, title,
table header, cost category, value word and unit of the pages and workbooks, in English
and Chinese. ``msg(section, key, lang)`` looks one up; unknown keys fall back to English,
then to the key itself."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGS = ("en", "zh")
CATALOGUE = Path(__file__).with_name("messages.yaml")

# Chinese pages name fonts that ship with stock Windows, macOS and common Linux desktops
# (Microsoft YaHei; PingFang SC / Hiragino Sans GB; Noto Sans CJK SC / Source Han Sans SC;
# WenQuanYi Micro Hei), so no glyph is drawn as a box.
CJK_FONT_STACK = ("'Microsoft YaHei', 'PingFang SC', 'Hiragino Sans GB', 'Noto Sans CJK SC', 'Source Han Sans SC', "
                  "'WenQuanYi Micro Hei', 'Microsoft JhengHei', SimHei, sans-serif")
LATIN_FONT_STACK = "-apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial"


def font_stack(lang: str) -> str:
    """The CSS font-family of a page in ``lang`` (CJK fonts first on Chinese pages)."""
    return CJK_FONT_STACK if lang == "zh" else f"{LATIN_FONT_STACK}, {CJK_FONT_STACK}"


# libyaml's C parser when PyYAML was built with it (8 ms for the catalogue instead of 60 ms);
# the same safe subset of YAML either way, and the same result
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    """{section: {key: {lang: text}}}, read once (libyaml's C loader where available)."""
    with CATALOGUE.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_SAFE_LOADER)
    return {sec: {str(k): {lg: str(v[lg]) for lg in v} for k, v in entries.items()} for sec, entries in data.items()}


def check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")


def msg(section: str, key, lang: str = "en", **fmt) -> str:
    """The text of ``key`` in ``section`` in ``lang``; falls back to English, then to the key
    (with '_' as spaces in the labels and headers sections)."""
    check_lang(lang)
    entry = catalogue().get(section, {}).get(str(key))
    if entry is None:
        text = str(key).replace("_", " ") if section in ("labels", "headers") else str(key)
    else:
        text = entry.get(lang) or entry.get("en") or str(key)
    return text.format(**fmt) if fmt else text


def has(section: str, key) -> bool:
    return str(key) in catalogue().get(section, {})


def by_lang(section: str) -> dict[str, dict[str, str]]:
    """A section as {lang: {key: text}} (the shape of the older LABELS / TEXT dicts)."""
    sec = catalogue().get(section, {})
    return {lg: {k: v.get(lg) or v["en"] for k, v in sec.items()} for lg in LANGS}
