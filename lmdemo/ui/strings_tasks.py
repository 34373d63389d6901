"""Strings of the task tabs worded on the server: errors, notices, Stop, the TL;DR comparison.

``say(key, language, **fields)`` fills them in. The ``err_*`` and ``notice_*`` English entries
repeat the core's own messages (lmdemo.errors, lmdemo.params, lmdemo.tasks) field for field;
a test checks that each keyed error reads the same through this table in English.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # ---- errors a visitor often meets (keys set where lmdemo raises them) ----------------
    "err_title": "Error",
    "notice_title": "Note",
    "err_empty": "The {what} is empty. Type or paste some text first.",
    "err_too_long": "The {what} is {length} characters long; the limit is {limit}. Shorten it "
                    "and try again.",
    "err_unknown_choice": "Unknown {what} {value}. Choose one of: {choices}.",
    "err_template_unknown_slot": "The prompt template uses {{{slot}}}, which this task does not "
                                 "provide. Available slots: {allowed}.",
    "err_template_missing_slot": "The prompt template must contain {{{slot}}}, where the {slot} "
                                 "goes.",
    "err_no_room": "The prompt template alone takes about {used} tokens, which leaves no room "
                   "for the {slot} in the model's {window}-token window with {max_new} new "
                   "tokens. Shorten the template or lower max new tokens.",
    "err_not_number": "{label} must be a number between {low} and {high}; got {value}.",
    "err_out_of_range": "{label} must be between {low} and {high}; got {value}.",
    "err_not_whole": "{label} must be a whole number; got {value}.",
    "err_stop_text": "Stop sequences must be text; got {value}.",
    "err_stop_count": "At most {most} stop sequences; got {count}.",
    "err_stop_length": "A stop sequence may be at most {most} characters; {start}… has "
                       "{length}.",
    "err_busy": "The server is busy. Try again in a moment.",
    "err_backend": "The model server did not answer as expected. Try again in a moment; if it "
                   "keeps failing, tell whoever runs this app (the server log has the details).",
    "err_unavailable": "This feature is not available with the model server this app uses.",
    "err_internal": "Something went wrong inside lmdemo; the details are in the server log. "
                    "Try again.",
    # the decoding settings as messages name them
    "param_temperature": "Temperature",
    "param_top_k": "Top-k",
    "param_top_p": "Top-p",
    "param_max_new_tokens": "Max new tokens",
    "param_repetition_penalty": "Repetition penalty",
    "param_seed": "Seed",
    # ---- notices --------------------------------------------------------------------------
    "notice_cut": "The {slot} was cut to its first {keep} of {total} tokens so that the prompt "
                  "and answer fit the model's {window}-token context window.",
    "stopped": "Stopped.",
    # ---- sentiment ------------------------------------------------------------------------
    "sentiment_uncalibrated": "Label probabilities (calibration off: the model's own numbers)",
    # ---- the TL;DR comparison on the Summarize tab -----------------------------------------
    "tldr_help_plain": "Runs the article through two prompts as plain generation, with the "
                       "decoding settings above and the same token budget (a long article is "
                       "cut the same way). The first is the GPT-2 paper's zero-shot summary "
                       "prompt: the article, a blank line and “TL;DR:”. The second is the same "
                       "prompt without “TL;DR:”. Neither side uses the Summarize template, its "
                       "stop at the end of the line or its trimming to whole sentences: both "
                       "write up to max new tokens, exactly as the model continues. Without the "
                       "cue the model has no reason to summarise and usually just keeps writing.",
    "tldr_prompt_with": "Prompt sent with “TL;DR:”",
    "tldr_prompt_without": "Prompt sent without “TL;DR:”",
    "tldr_rule": "Both sides: {max_new} new tokens at most, no stop sequence, the text as the "
                 "model wrote it.",
}

ZH: dict[str, str] = {
    "err_title": "出错了",
    "notice_title": "提示",
    "err_empty": "{what}是空的。请先输入或粘贴一些文本。",
    "err_too_long": "{what}有 {length} 个字符，上限是 {limit}。请缩短后再试。",
    "err_unknown_choice": "未知的{what} {value}。请从这些中选择：{choices}。",
    "err_template_unknown_slot": "提示词模板用了 {{{slot}}}，但这个任务不提供它。可用的槽位："
                                 "{allowed}。",
    "err_template_missing_slot": "提示词模板必须包含 {{{slot}}}，用来放入 {slot}。",
    "err_no_room": "仅提示词模板就占了约 {used} 个词元，在模型 {window} 个词元的窗口里再加上 "
                   "{max_new} 个新词元后，已没有地方放{slot}。请缩短模板或减小最大新词元数。",
    "err_not_number": "{label}必须是 {low} 到 {high} 之间的数字；收到的是 {value}。",
    "err_out_of_range": "{label}必须在 {low} 到 {high} 之间；收到的是 {value}。",
    "err_not_whole": "{label}必须是整数；收到的是 {value}。",
    "err_stop_text": "停止序列必须是文本；收到的是 {value}。",
    "err_stop_count": "停止序列最多 {most} 个；收到 {count} 个。",
    "err_stop_length": "每个停止序列最多 {most} 个字符；{start}… 有 {length} 个。",
    "err_busy": "服务器正忙，请稍后再试。",
    "err_backend": "模型服务器没有按预期应答。请稍后再试；如果一直失败，请告诉运行这个应用的人"
                   "（服务器日志里有详细信息）。",
    "err_unavailable": "当前应用所用的模型服务器不支持这个功能。",
    "err_internal": "lmdemo 内部出了问题，详细信息在服务器日志里。请再试一次。",
    "param_temperature": "温度",
    "param_top_k": "Top-k",
    "param_top_p": "Top-p",
    "param_max_new_tokens": "最大新词元数",
    "param_repetition_penalty": "重复惩罚",
    "param_seed": "随机种子",
    "notice_cut": "{slot}被截到前 {keep} 个词元（共 {total} 个），这样提示词和回答才能放进模型 "
                  "{window} 个词元的上下文窗口。",
    "stopped": "已停止。",
    "sentiment_uncalibrated": "标签概率（未校准：模型自己的数值）",
    "tldr_help_plain": "把文章放进两个提示词中做普通生成，使用上面的解码设置和相同的词元预算"
                       "（过长的文章按同样方式截断）。第一个是 GPT-2 论文中的零样本摘要提示词："
                       "文章、一个空行和“TL;DR:”。第二个是去掉“TL;DR:”的同一个提示词。两边都不"
                       "使用摘要模板、它在行尾的停止，也不裁剪成完整的句子：两边都最多写到最大新"
                       "词元数，原样显示模型的续写。没有这个提示，模型没有理由去总结，通常只会"
                       "继续写下去。",
    "tldr_prompt_with": "有“TL;DR:”时发送的提示词",
    "tldr_prompt_without": "无“TL;DR:”时发送的提示词",
    "tldr_rule": "两边：最多 {max_new} 个新词元，没有停止序列，原样显示模型写出的文本。",
}
