"""UI strings of a hosted (public) server: the banner line naming its limits, the rate limit."""

from __future__ import annotations

EN: dict[str, str] = {
    "banner_hosted": "Public server: texts up to {chars} characters, at most {new} new tokens, "
                     "{rate} generations a minute per visitor.",
    "banner_hosted_no_rate": "Public server: texts up to {chars} characters, at most {new} new "
                             "tokens.",
    "rate_limited": "Too many generation requests: this server allows {per_minute} a minute "
                    "from one address. Try again in {wait} s.",
}

ZH: dict[str, str] = {
    "banner_hosted": "公共服务器：文本最多 {chars} 个字符，最多生成 {new} 个新词元，"
                     "每位访客每分钟最多 {rate} 次生成。",
    "banner_hosted_no_rate": "公共服务器：文本最多 {chars} 个字符，最多生成 {new} 个新词元。",
    "rate_limited": "生成请求太多：本服务器每个地址每分钟最多 {per_minute} 次。"
                    "请 {wait} 秒后再试。",
}
