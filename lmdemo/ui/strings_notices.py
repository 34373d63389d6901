"""UI strings: notices the engine and backends attach to a run (cut input, lowered limits)."""

from __future__ import annotations

EN: dict[str, str] = {
    "notice_max_new_lowered": "Max new tokens lowered from {asked} to {limit}: the model's "
                              "context window is {window} tokens.",
    "notice_input_cut": "The input was too long: its first {cut} tokens were cut so that the "
                        "prompt plus {new} new tokens fit the {window}-token context window.",
    "notice_server_ignores": "This server does not accept top-k or repetition penalty; they "
                             "were not applied.",
}

ZH: dict[str, str] = {
    "notice_max_new_lowered": "最大新词元数已从 {asked} 降到 {limit}：模型的上下文窗口只有 "
                              "{window} 个词元。",
    "notice_input_cut": "输入太长：开头的 {cut} 个词元被截掉了，这样提示词加上 {new} 个新词元"
                        "才能放进 {window} 个词元的上下文窗口。",
    "notice_server_ignores": "这个服务器不接受 top-k 和重复惩罚，这两项设置没有生效。",
}
