"""UI strings of the Extract tab: its help, the JSON output, the highlighting and type names."""

from __future__ import annotations

EN: dict[str, str] = {
    "tab_extract": "Extract",
    "help_extract": "Three worked examples teach the model to list the key information in a "
                    "text, one `type: text` line each (person, organisation, place, date, "
                    "number, title of a work or product), then **Keywords:** and **Summary:**. "
                    "Every entity must occur in the text: anything the model made up is "
                    "dropped, and a name is spelled as the text spells it. The pattern pass "
                    "adds the dates and numbers a regular expression finds.",
    "extract_json": "Key information (JSON)",
    "extract_patterns": "Also add dates and numbers found by pattern matching",
    "extract_candidates": "Also have the model type the text's capitalised names",
    "notice_extract_no_candidates": "This server returns no scores, so names the model left "
                                    "out were not proposed from the text; the list is the "
                                    "model's alone.",
    "extract_typed": "Names proposed from the text, as the model typed them (kept unless "
                     "other, date or number): {items}",
    "entity_other": "other",
    "extract_highlight": "Entities in the text",
    "extract_raw": "What the model wrote",
    "extract_dropped": "Dropped, not found in the text: {items}",
    "extract_none_dropped": "Nothing dropped: every line the model wrote is in the text.",
    "entity_person": "person",
    "entity_organisation": "organisation",
    "entity_place": "place",
    "entity_date": "date",
    "entity_number": "number",
    "entity_title": "title",
}

ZH: dict[str, str] = {
    "tab_extract": "信息抽取",
    "help_extract": "三个示例教模型列出文本中的关键信息，每条一行 `类型: 文本`（人物、机构、"
                    "地点、日期、数量、作品或产品名称），然后是 **Keywords:** 和 **Summary:**。"
                    "每个实体都必须出现在原文中：模型编造的内容会被删掉，名称按原文的写法给出。"
                    "模式匹配会补上正则表达式找到的日期和数字。",
    "extract_json": "关键信息（JSON）",
    "extract_patterns": "同时加入模式匹配找到的日期和数字",
    "extract_candidates": "同时让模型判断原文中大写开头的名称的类型",
    "notice_extract_no_candidates": "该服务器不返回概率，因此没有从原文中补充模型遗漏的名称；"
                                    "列表仅来自模型本身。",
    "extract_typed": "从原文中提出的名称及模型判断的类型（除“其他”、日期和数量外都会保留）："
                     "{items}",
    "entity_other": "其他",
    "extract_highlight": "原文中的实体",
    "extract_raw": "模型写出的内容",
    "extract_dropped": "已删除（原文中没有）：{items}",
    "extract_none_dropped": "没有删除任何内容：模型写出的每一条都在原文中。",
    "entity_person": "人物",
    "entity_organisation": "机构",
    "entity_place": "地点",
    "entity_date": "日期",
    "entity_number": "数量",
    "entity_title": "作品/产品",
}
