"""Every UI string, in English and Simplified Chinese, in one table.

Widgets take ``t("key")``, which Gradio translates in the browser from the visitor's
language (``gr.I18n``). Add a key to both languages at once; a test checks they match.
"""

from __future__ import annotations

from ..inspection.explanations import EXPLANATIONS

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
    "help_summarize": "Two worked examples (article → one-sentence summary) show the model the "
                      "task, and it continues after **Summary:**. The GPT-2 paper's **TL;DR:** "
                      "prompt is one click away under *Prompt sent*; with this small model it "
                      "ends mid-sentence more often (see the README). The comparison below "
                      "shows what the cue itself does.",
    "help_sentiment": "No text is generated. The model reads a few labelled examples and "
                      "your text, and we compare how likely it finds the next word "
                      "*positive* versus *negative*. Calibration divides out the model's "
                      "bias towards one label, measured on content-free inputs such as “N/A”.",
    "help_translate": "A few example pairs `english = target` teach the pattern; the model "
                      "completes the last line. The first line of its answer is kept.",
    "preset_tuned": "Use the tuned few-shot prompt",
    "preset_paper": "Use the GPT-2 paper's prompt",
    "before_calibration": "Before calibration",
    # ---- look inside the model (lmdemo.inspection) ----
    "tab_inspect": "Look inside",
    "inspect_intro": "Six views of what happens inside the live model. Each one is a small "
                     "experiment: change the input and watch what moves.",
    "tab_tokens": "Tokenizer",
    "tab_next_token": "Next token",
    "tab_generation": "Generation",
    "tab_attention": "Attention",
    "tab_embeddings": "Embeddings",
    "tab_bias": "Bias probe",
    "explain_tokenizer": EXPLANATIONS["tokenizer"],
    "explain_next_token": EXPLANATIONS["next_token"],
    "explain_generation": EXPLANATIONS["generation"],
    "explain_attention": EXPLANATIONS["attention"],
    "explain_embeddings": EXPLANATIONS["embeddings"],
    "explain_bias": EXPLANATIONS["bias"],
    "tokenize": "Tokenize",
    "tokens_live": "Tokens of the live model (the small number is the token id)",
    "tokens_gpt2": "The same text under GPT-2's BPE tokenizer",
    "tokens_legend": "␣ is a space, ↵ a new line. A character split over several tokens "
                     "reads like 你 (1/2); a byte on its own reads like <0xE4>.",
    "token_count": "Tokens (live model)",
    "gpt2_token_count": "Tokens (GPT-2)",
    "char_count": "Characters",
    "context_window": "Context window (tokens)",
    "context_used": "Share of the context window this text fills",
    "next_token_run": "Show the next-token odds",
    "sample_token": "Sample a token",
    "next_token_chart": "Most likely next tokens: click one to add it to the text",
    "next_token_legend": "Dark bar: the probability after temperature, top-k and top-p. "
                         "Light bar: the model's raw probability. Grey, struck-out rows were "
                         "cut by top-k or top-p and can never be sampled.",
    "entropy_bits": "Entropy (bits)",
    "kept_count": "Tokens that can still be picked",
    "generation_output": "Generated text, coloured by probability: click a token",
    "generation_legend": "Each token is coloured by the probability it had when it was "
                         "picked: green is likely, yellow is a toss-up, red is a surprise. "
                         "The prompt is shown in grey.",
    "selected_step": "Selected token",
    "alternatives": "What else the model considered at that step",
    "branch": "Branch: continue from there with this token",
    "attention_run": "Show attention",
    "layer": "Layer",
    "head": "Head (mean = the average of all heads)",
    "attention_map": "Attention map: each row is a token, each column a token it looks at",
    "word": "Word",
    "neighbor_count": "Number of neighbours",
    "find_neighbors": "Find neighbours",
    "neighbors": "Nearest tokens by cosine similarity (1 = same direction)",
    "word_tokens": "The word as the model stores it (+ joins tokens that are averaged)",
    "map_words": "Words to place on the map (comma-separated)",
    "draw_map": "Draw the map",
    "embedding_map": "The words' embeddings squeezed into two dimensions (PCA)",
    "bias_template": "Sentence start with one {} slot",
    "bias_fillers": "Words to put in the slot (comma-separated)",
    "compare": "Compare",
    "bias_results": "For each word: its most likely next tokens, then three continuations "
                    "sampled with the same seeds for every word",
    "tldr_compare": "Compare with and without “TL;DR:”",
    "tldr_run": "Run both",
    "tldr_with": "With “TL;DR:” (the prompt ends “…article\\n\\nTL;DR:”)",
    "tldr_without": "Without “TL;DR:” (the prompt ends “…article\\n\\n”)",
    # The model banner, filled in on the server ({...} are str.format fields).
    "banner": "**{name}** · {size}M parameters · {device} · {precision} · context {context} "
              "tokens",
    "precision_fp16": "float16 weights, {dtype} compute",
    "reason_cached": "gpt2 is the default and is in the local Hugging Face cache.",
    "reason_downloaded": "gpt2 is the default; downloaded from the Hugging Face hub.",
    "reason_offline": "gpt2 is not in the local cache and the hub is unreachable ({detail}), "
                      "so the bundled {bundled} is live.",
    "reason_explicit": "{name} was chosen explicitly (--model or LMDEMO_MODEL).",
    "reason_fallback": "gpt2 could not be loaded ({detail}), so the bundled {bundled} is live.",
    "banner_remote": "**{name}** · served by the OpenAI-compatible server at {url} · context "
                     "{context} tokens",
    "reason_remote": "Text comes from that server (--backend); the tokenizer of {tokenizer} "
                     "runs here for budgets and the tokenizer view. {weights}",
    "remote_weights": "The views that read weights use the local copy.",
    "remote_no_weights": "The views that read weights are off: there is no local copy of the "
                         "model (start with --model FOLDER).",
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
    "help_summarize": "两个示例（文章 → 一句话摘要）向模型展示任务，模型在 **Summary:** 之后续写。"
                      "GPT-2 论文的 **TL;DR:** 提示词在 *发送的提示词* 中一键可用；"
                      "对这个小模型来说，它更常在句子中间停下（见 README）。"
                      "下方的对比展示了这个提示本身的作用。",
    "help_sentiment": "这里不生成文本。模型先读几个带标签的例子和你的文本，"
                      "我们比较它认为下一个词是 *positive* 还是 *negative* 的概率。"
                      "校准会用“N/A”等无内容输入测出模型对某个标签的偏好并将其除去。",
    "help_translate": "几组 `英文 = 目标语言` 的例句教会模型这个模式；模型补全最后一行，"
                      "只保留答案的第一行。",
    "preset_tuned": "使用调优后的少样本提示词",
    "preset_paper": "使用 GPT-2 论文中的提示词",
    "before_calibration": "校准前",
    # ---- 模型内部 (lmdemo.inspection) ----
    "tab_inspect": "模型内部",
    "inspect_intro": "六个视图，展示当前模型内部发生了什么。每一个都是一个小实验："
                     "改动输入，看看什么随之变化。",
    "tab_tokens": "分词器",
    "tab_next_token": "下一个词元",
    "tab_generation": "逐词元生成",
    "tab_attention": "注意力",
    "tab_embeddings": "词嵌入",
    "tab_bias": "偏见探测",
    "explain_tokenizer": "语言模型读的不是字母，也不是整词，而是词元（token）：来自一个包含"
                         "数万个条目的固定词表的文本片段。常见词是一个词元，生僻词会被切成"
                         "好几个；一个汉字或表情符号甚至可能被拆成字节，分散在多个词元中。"
                         "上下文窗口，即模型一次最多能看到的文本量，是按词元而不是按字词计算的。",
    "explain_next_token": "给定已有的文本，模型为词表中的每个词元打一个分数，分数再变成概率："
                          "这个词元接下来出现的可能性。温度会让这些概率更尖锐（低温）或更平坦"
                          "（高温）；top-k 只保留最可能的 k 个词元，top-p 保留概率之和达到 p "
                          "的最小词元集合。熵衡量模型有多不确定：0 比特表示它完全确定。",
    "explain_generation": "文本是一次一个词元生成的：模型算出下一个词元的概率，抽取一个，"
                          "把它加到文本末尾，然后重复。每个词元按它被选中时的概率着色，"
                          "备选词元显示模型在那一步还考虑过什么。",
    "explain_attention": "注意力是一个词元从它前面的词元收集信息的方式。图中每一行是一个"
                         "词元，颜色表示它对前面每个词元的关注程度（每行之和为 1）。模型有"
                         "许多层，每层有多个学习不同模式的注意力头；注意力显示信息流向哪里，"
                         "而不是模型为什么做出某个决定。",
    "explain_embeddings": "在任何处理之前，每个词元都会变成一长串数字，即它的嵌入向量。用法"
                          "相似的词元会得到相似的嵌入，所以一个词的最近邻往往是相关的词。"
                          "二维图把几百个维度压缩成两个，因此图上的距离只是一个粗略的示意。",
    "explain_bias": "这里把同一个句子中的一个词替换掉（例如名字或职业）后让模型续写。如果"
                    "最可能的续写随之改变，说明模型从训练文本中学到了某种关联。这反映的是"
                    "它所学数据中的模式，而不是关于任何人的事实。",
    "tokenize": "分词",
    "tokens_live": "当前模型的词元（小数字是词元 ID）",
    "tokens_gpt2": "同一段文本在 GPT-2 BPE 分词器下的结果",
    "tokens_legend": "␣ 表示空格，↵ 表示换行。被拆到多个词元中的字符显示为 你 (1/2)；"
                     "单独的字节显示为 <0xE4>。",
    "token_count": "词元数（当前模型）",
    "gpt2_token_count": "词元数（GPT-2）",
    "char_count": "字符数",
    "context_window": "上下文窗口（词元）",
    "context_used": "这段文本占上下文窗口的比例",
    "next_token_run": "显示下一个词元的概率",
    "sample_token": "抽取一个词元",
    "next_token_chart": "最可能的下一个词元：点击一个把它加到文本中",
    "next_token_legend": "深色条：经过温度、top-k 和 top-p 调整后的概率。浅色条：模型的原始"
                         "概率。灰色、带删除线的行被 top-k 或 top-p 排除，永远不会被抽到。",
    "entropy_bits": "熵（比特）",
    "kept_count": "仍可被选中的词元数",
    "generation_output": "生成的文本，按概率着色：点击一个词元",
    "generation_legend": "每个词元按它被选中时的概率着色：绿色表示很可能，黄色表示不相上下，"
                         "红色表示出乎意料。提示词以灰色显示。",
    "selected_step": "选中的词元",
    "alternatives": "模型在那一步还考虑过的词元",
    "branch": "分支：从那里用这个词元继续生成",
    "attention_run": "显示注意力",
    "layer": "层",
    "head": "注意力头（mean = 所有头的平均）",
    "attention_map": "注意力图：每一行是一个词元，每一列是它关注的词元",
    "word": "词",
    "neighbor_count": "近邻数量",
    "find_neighbors": "查找近邻",
    "neighbors": "按余弦相似度排列的最近词元（1 = 方向相同）",
    "word_tokens": "模型存储这个词的方式（+ 连接的词元会取平均）",
    "map_words": "要放在图上的词（用逗号分隔）",
    "draw_map": "绘制图",
    "embedding_map": "把这些词的嵌入压缩到二维（PCA）",
    "bias_template": "带一个 {} 槽位的句子开头",
    "bias_fillers": "填入槽位的词（用逗号分隔）",
    "compare": "比较",
    "bias_results": "每个词：最可能的下一个词元，以及用相同随机种子为每个词抽样的三段续写",
    "tldr_compare": "比较有无“TL;DR:”的效果",
    "tldr_run": "两个都运行",
    "tldr_with": "有“TL;DR:”（提示词以“…文章\\n\\nTL;DR:”结尾）",
    "tldr_without": "无“TL;DR:”（提示词以“…文章\\n\\n”结尾）",
    "banner": "**{name}** · {size}M 参数 · {device} · {precision} · 上下文 {context} 个词元",
    "precision_fp16": "float16 权重，{dtype} 计算",
    "reason_cached": "默认模型 gpt2 已在本地 Hugging Face 缓存中。",
    "reason_downloaded": "默认模型 gpt2 已从 Hugging Face Hub 下载。",
    "reason_offline": "本地缓存中没有 gpt2，且无法连接 Hugging Face Hub（{detail}），"
                      "因此使用内置的 {bundled}。",
    "reason_explicit": "{name} 是明确指定的模型（--model 或 LMDEMO_MODEL）。",
    "reason_fallback": "gpt2 无法加载（{detail}），因此使用内置的 {bundled}。",
    "banner_remote": "**{name}** · 由 {url} 上的 OpenAI 兼容服务器提供 · 上下文 {context} 个词元",
    "reason_remote": "文本由该服务器生成（--backend）；{tokenizer} 的分词器在本机运行，用于词元预算"
                     "和分词器视图。{weights}",
    "remote_weights": "需要读取权重的视图使用本地副本。",
    "remote_no_weights": "需要读取权重的视图已关闭：本机没有模型副本（请用 --model FOLDER 启动）。",
}



def _merge_feature_tables() -> None:
    """Add the tables of ``lmdemo/ui/strings_*.py`` (one per feature, each with EN and ZH)."""
    import importlib
    import pkgutil
    from pathlib import Path

    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("strings_"):
            module = importlib.import_module(f"{__package__}.{info.name}")
            clash = (set(module.EN) | set(module.ZH)) & (set(EN) | set(ZH))
            if clash:
                raise RuntimeError(f"{info.name} redefines UI strings {sorted(clash)}")
            EN.update(module.EN)
            ZH.update(module.ZH)


_merge_feature_tables()
LANGUAGES = {"en": EN, "zh-CN": ZH}
