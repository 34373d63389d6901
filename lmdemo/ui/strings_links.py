"""UI strings of links that reopen a view, presentation mode and the language switch."""

from __future__ import annotations

EN: dict[str, str] = {
    "copy_link": "Copy link",
    "copy_link_hint": "The link to this view, with its inputs and settings, appears here.",
    "present_mode": "Presentation mode (large text)",
    "language_switch": "Language",
    "link_unknown_tab": "This link asks for a view called “{name}”, which this app does not "
                        "have. Views: {names}.",
    "link_unknown_param": "This link sets “{name}”, which the {tab} view does not have; it was "
                          "left out. Its settings: {names}.",
    "link_bad_number": "This link sets {name} to “{value}”, but it must be a number{range}; "
                       "the default is kept.",
    "link_bad_whole": "This link sets {name} to “{value}”, but it must be a whole "
                      "number{range}; the default is kept.",
    "link_bad_choice": "This link sets {name} to “{value}”, but it must be one of: {choices}; "
                       "the default is kept.",
    "link_bad_flag": "This link sets {name} to “{value}”; use 1 (on) or 0 (off). The default "
                     "is kept.",
    "link_too_long": "This link's {name} is longer than {limit} characters; the default is "
                     "kept.",
    "url_too_long_title": "This link is too long",
    "url_too_long": "This link is {length} characters long; this server reads links of up to "
                    "{limit} characters. Open the app without it, and paste the text into the "
                    "page instead.",
    "url_too_long_open": "Open lmdemo",
}

ZH: dict[str, str] = {
    "copy_link": "复制链接",
    "copy_link_hint": "此视图的链接（含输入和设置）会显示在这里。",
    "present_mode": "演示模式（大字号）",
    "language_switch": "语言",
    "link_unknown_tab": "此链接要打开名为“{name}”的视图，但本应用没有这个视图。"
                        "可用的视图：{names}。",
    "link_unknown_param": "此链接设置了“{name}”，但 {tab} 视图没有这一项，已忽略。"
                          "它的设置项：{names}。",
    "link_bad_number": "此链接把 {name} 设为“{value}”，但它必须是数字{range}；已保留默认值。",
    "link_bad_whole": "此链接把 {name} 设为“{value}”，但它必须是整数{range}；已保留默认值。",
    "link_bad_choice": "此链接把 {name} 设为“{value}”，但它只能是以下之一：{choices}；"
                       "已保留默认值。",
    "link_bad_flag": "此链接把 {name} 设为“{value}”；请用 1（开）或 0（关）。已保留默认值。",
    "link_too_long": "此链接中的 {name} 超过 {limit} 个字符；已保留默认值。",
    "url_too_long_title": "此链接太长",
    "url_too_long": "此链接长 {length} 个字符；本服务器只读取不超过 {limit} 个字符的链接。"
                    "请直接打开应用，把文本粘贴到页面中。",
    "url_too_long_open": "打开 lmdemo",
}
