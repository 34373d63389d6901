"""UI strings: the banner line a hosted (public) server adds, naming the limits it applies."""

from __future__ import annotations

EN: dict[str, str] = {
    "banner_hosted": "Public server: texts up to {chars} characters, at most {new} new tokens, "
                     "{rate} generations a minute per visitor.",
    "banner_hosted_no_rate": "Public server: texts up to {chars} characters, at most {new} new "
                             "tokens.",
}

ZH: dict[str, str] = {
    "banner_hosted": "公共服务器：文本最多 {chars} 个字符，最多生成 {new} 个新词元，"
                     "每位访客每分钟最多 {rate} 次生成。",
    "banner_hosted_no_rate": "公共服务器：文本最多 {chars} 个字符，最多生成 {new} 个新词元。",
}
