"""The language a request asks for: the `lang` parameter, else Accept-Language, else a default."""

from __future__ import annotations


def negotiate(lang_arg: str | None, accept_language: str | None, default: str) -> str:
    """'zh-CN' or 'en': the first of `lang_arg` (on its own when given) and Accept-Language that names
    Chinese or English (q-values aside: the first tag wins, as a browser lists its preference), else
    `default`."""
    for text in (lang_arg, accept_language):
        if not text:
            continue
        for part in text.split(","):
            tag = part.split(";")[0].strip().lower()
            if tag.startswith("zh"):
                return "zh-CN"
            if tag.startswith("en"):
                return "en"
        if text is lang_arg:
            break
    return default
