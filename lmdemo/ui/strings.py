"""Every UI string, in English and Simplified Chinese: the tables of ``lmdemo/locales``.

Widgets take ``t("key")``, which Gradio translates in the browser from the visitor's
language (``gr.I18n``); text the server fills in is worded with ``say``. The strings
themselves live in ``lmdemo/locales/en.json`` and ``zh-CN.json``: add a key to both files.
"""

from __future__ import annotations

from ..locales import LANGUAGES as CODES
from ..locales import table

EN: dict[str, str] = table("en")
ZH: dict[str, str] = table("zh-CN")
LANGUAGES = {code: table(code) for code in CODES}
