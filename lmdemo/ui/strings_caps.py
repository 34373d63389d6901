"""UI strings: messages about inputs refused by the caps (not text, broken characters,
template slots that are more than a name) and about refused uploads.

The English entries repeat the core's messages (``lmdemo.inputs``, ``lmdemo.tasks.prompts``)
field for field; ``tests/test_fuzz_inputs.py`` checks that each reads the same through this
table. Table strings go through ``str.format``, so a brace shown to the reader is written
doubled here; the reader never sees a doubled one.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "err_not_text": "The {what} must be text; got {kind}.",
    "err_stop_input": "The stop sequences take {length} characters or items; at most {most}.",
    "err_too_many_items": "The {what} has {count} items; the limit is {limit}.",
    "err_surrogate": "The {what} contains a broken character ({code}, half of a UTF-16 pair) "
                     "at position {position}. Delete it, or copy the text again from its "
                     "source.",
    "err_template_stray_close": "The prompt template has a “}}” at character {position} that "
                                "closes no slot. Write a slot as a name in braces, like "
                                "{{text}}; to write a brace as text, type it twice.",
    "err_template_unclosed": "The prompt template has a “{{” at character {position} that opens "
                             "a slot it never closes. Write a slot as a name in braces, like "
                             "{{text}}; to write a brace as text, type it twice.",
    "err_template_slot_extra": "The prompt template's slot {shown} has {extra} after its name. "
                               "A slot is only a name in braces: write {{{slot}}}.",
    "err_template_slot_name": "The prompt template has a slot {shown} that is not a name. Write "
                              "a slot as a name in braces, like {{text}}; to write a brace as "
                              "text, type it twice.",
    "what_template": "prompt template",
    "what_words": "list of words",
    "what_text": "text",
    "what_stop": "stop sequence",
    "template_spec": "a format spec",
    "template_conversion": "a conversion",
    "template_attribute": "an attribute",
    "template_index": "an index",
    "kind_nothing": "nothing",
    "kind_bool": "true/false",
    "kind_number": "a number",
    "kind_list": "a list",
    "kind_object": "an object",
    "kind_other": "a value of another type",
    "upload_refused": "This app takes no files: uploads are turned off.",
}

ZH: dict[str, str] = {
    "err_not_text": "{what}必须是文本；收到的是{kind}。",
    "err_stop_input": "停止序列共有 {length} 个字符或项；最多 {most} 个。",
    "err_too_many_items": "{what}有 {count} 项，上限是 {limit}。",
    "err_surrogate": "{what}在第 {position} 个字符处有一个损坏的字符"
                     "（{code}，UTF-16 代理对的一半）。请删掉它，或从原处重新复制文本。",
    "err_template_stray_close": "提示词模板第 {position} 个字符处的“}}”没有对应的槽位。"
                                "槽位写成花括号里的名字，如 {{text}}；要写花括号本身，请连打两次。",
    "err_template_unclosed": "提示词模板第 {position} 个字符处的“{{”开始了一个槽位，但没有闭合。"
                             "槽位写成花括号里的名字，如 {{text}}；要写花括号本身，请连打两次。",
    "err_template_slot_extra": "提示词模板的槽位 {shown} 在名字后面带了{extra}。"
                               "槽位只能是花括号里的名字：请写成 {{{slot}}}。",
    "err_template_slot_name": "提示词模板里的槽位 {shown} 不是一个名字。"
                              "槽位写成花括号里的名字，如 {{text}}；要写花括号本身，请连打两次。",
    "what_template": "提示词模板",
    "what_words": "词列表",
    "what_text": "文本",
    "what_stop": "停止序列",
    "template_spec": "格式说明",
    "template_conversion": "转换符",
    "template_attribute": "属性",
    "template_index": "下标",
    "kind_nothing": "空值",
    "kind_bool": "真/假值",
    "kind_number": "数字",
    "kind_list": "列表",
    "kind_object": "对象",
    "kind_other": "其他类型的值",
    "upload_refused": "这个应用不接收文件：上传已关闭。",
}
