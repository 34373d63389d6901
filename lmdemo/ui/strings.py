"""Every UI string, in English and Simplified Chinese, in one table.

Widgets take ``t("key")``, which Gradio translates in the browser from the visitor's
language (``gr.I18n``). Add a key to both languages at once; a test checks they match.
"""

from __future__ import annotations

EN: dict[str, str] = {
    "title": "lmdemo — see how a language model works",
    "subtitle": "One causal language model does every task below through its prompt. "
                "Open **Prompt sent** on any tab to see, and edit, exactly what the model reads.",
    "model_loading": "Loading the model…",
    "tab_generate": "Generate",
    "tab_summarize": "Summarize",
    "tab_answer": "Q&A",
    "tab_sentiment": "Sentiment",
    "tab_translate": "Translate",
    "prompt": "Prompt",
    "article": "Article",
    "context": "Context",
    "question": "Question",
    "text": "Text",
    "text_en": "English text",
    "target_language": "Target language",
    "output": "Output",
    "summary": "Summary",
    "answer": "Answer",
    "translation": "Translation",
    "sentiment_label": "Label probabilities",
    "run": "Run",
    "stop": "Stop",
    "examples": "Examples",
    "prompt_sent": "Prompt sent",
    "template": "Template (edit it: {slots} are filled in for you)",
    "template_reset": "Reset template",
    "sent_prompt": "Exact text sent to the model",
    "decoding": "Decoding settings",
    "temperature": "Temperature (0 = always the most likely token)",
    "top_k": "Top-k (0 = off)",
    "top_p": "Top-p (nucleus)",
    "max_new_tokens": "Max new tokens",
    "repetition_penalty": "Repetition penalty (1 = off)",
    "seed": "Seed (same seed, same text)",
    "stop_sequences": "Stop sequences (one per line; \\n means newline)",
    "calibrate": "Calibrate with content-free inputs",
    "help_generate": "The model continues your text one token at a time. Higher temperature "
                     "means more surprising choices; the same seed always gives the same text.",
    "help_summarize": "The GPT-2 paper's trick: put **TL;DR:** after the article and let the "
                      "model continue. The answer is trimmed to whole sentences.",
    "help_answer": "The context and question are written as **Q:** … **A:** and the model's "
                   "answer is cut at the end of the answer line.",
    "help_sentiment": "No text is generated. The model reads a few labelled examples and "
                      "your text, and we compare how likely it finds the next word "
                      "*positive* versus *negative*. Calibration divides out the model's "
                      "bias towards one label, measured on content-free inputs such as “N/A”.",
    "help_translate": "A few example pairs `english = target` teach the pattern; the model "
                      "completes the last line. The first line of its answer is kept.",
    "live_model": "Live model",
    "before_calibration": "Before calibration",
}

ZH: dict[str, str] = {
    "title": "lmdemo —— 看懂语言模型如何工作",
    "subtitle": "下面的每个任务都由同一个因果语言模型通过提示词完成。"
                "在任一标签页打开 **发送的提示词**，即可查看并编辑模型实际读到的内容。",
    "model_loading": "正在加载模型……",
    "tab_generate": "生成",
    "tab_summarize": "摘要",
    "tab_answer": "问答",
    "tab_sentiment": "情感",
    "tab_translate": "翻译",
    "prompt": "提示词",
    "article": "文章",
    "context": "上下文",
    "question": "问题",
    "text": "文本",
    "text_en": "英文文本",
    "target_language": "目标语言",
    "output": "输出",
    "summary": "摘要",
    "answer": "答案",
    "translation": "译文",
    "sentiment_label": "标签概率",
    "run": "运行",
    "stop": "停止",
    "examples": "示例",
    "prompt_sent": "发送的提示词",
    "template": "模板（可编辑：{槽位} 会自动填入）",
    "template_reset": "恢复默认模板",
    "sent_prompt": "发送给模型的完整文本",
    "decoding": "解码设置",
    "temperature": "温度（0 = 总是选最可能的词元）",
    "top_k": "Top-k（0 = 关闭）",
    "top_p": "Top-p（核采样）",
    "max_new_tokens": "最多生成词元数",
    "repetition_penalty": "重复惩罚（1 = 关闭）",
    "seed": "随机种子（相同种子，相同文本）",
    "stop_sequences": "停止序列（每行一个；\\n 表示换行）",
    "calibrate": "用无内容输入进行校准",
    "help_generate": "模型一次一个词元地续写你的文本。温度越高，选择越出人意料；"
                     "相同的种子总会得到相同的文本。",
    "help_summarize": "GPT-2 论文中的技巧：在文章后加上 **TL;DR:**，让模型续写。"
                      "结果会裁剪为完整的句子。",
    "help_answer": "上下文和问题被写成 **Q:** … **A:** 的形式，模型的回答在答案行末尾截断。",
    "help_sentiment": "这里不生成文本。模型先读几个带标签的例子和你的文本，"
                      "我们比较它认为下一个词是 *positive* 还是 *negative* 的概率。"
                      "校准会用“N/A”等无内容输入测出模型对某个标签的偏好并将其除去。",
    "help_translate": "几组 `英文 = 目标语言` 的例句教会模型这个模式；模型补全最后一行，"
                      "只保留答案的第一行。",
    "live_model": "当前模型",
    "before_calibration": "校准前",
}

LANGUAGES = {"en": EN, "zh-CN": ZH}
