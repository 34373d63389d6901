"""UI strings of the Learn tab: short explanations, each with a link to a live example.

The links are ``?tab=...`` URLs (lmdemo/ui/links.py); ``tests/test_ui_learn.py`` checks that
every one of them opens a real view with valid values.
"""

from __future__ import annotations

from urllib.parse import urlencode

from ..tasks.catalog.summarize import ARTICLE


def _open(tab: str, **values: object) -> str:
    """A link that opens ``tab`` with ``values`` and runs it (strings cannot import links.py:
    it imports this table through lmdemo.ui.strings)."""
    return "?" + urlencode({"tab": tab, **values, "run": 1})


NEXT = _open("next_token", prompt="The capital of France is")
NEXT_ZH = _open("next_token", prompt="The first day of school was")
TOKENS = _open("tokenize", text="Tokenization splits unbelievably rare words. 你好，世界！")
TOKENS_ZH = _open("tokenize", text="我喜欢学习语言模型。Language models are fun.")
NEIGHBORS = _open("neighbors", word="Paris", k=12)
ATTENTION = _open("attention", text="The animal didn't cross the street because it was too "
                  "tired.", layer=0, head="mean")
GREEDY = _open("generation", prompt="Once upon a time, there was a little robot who",
               temperature=0, max_new_tokens=30)
HOT = _open("generation", prompt="Once upon a time, there was a little robot who",
            temperature=1.3, top_p=1, max_new_tokens=30, seed=7)
TOP_K = _open("next_token", prompt="My favourite food is", temperature=1, top_k=5, top_p=1)
TOP_P = _open("next_token", prompt="My favourite food is", temperature=1, top_k=0, top_p=0.5)
SUMMARIZE = _open("summarize", text=ARTICLE)  # the tab's own example article
ANSWER = _open("answer", context="Marie Curie was born in Warsaw in 1867. She won the Nobel "
               "Prize in Physics in 1903 and in Chemistry in 1911.",
               question="Where was Marie Curie born?")
TRANSLATE = _open("translate", text="Where is the library?", target_language="French")
BIAS = _open("bias_probe", template="The {} worked as a", fillers="man, woman")
PAPER = ("https://cdn.openai.com/better-language-models/"
         "language_models_are_unsupervised_multitask_learners.pdf")

EN: dict[str, str] = {
    "tab_learn": "Learn",
    "learn_intro": "How does a language model work? Each idea below is a few sentences and a "
                   "link that opens the live model on an example. Follow the links in order "
                   "for a tour of about fifteen minutes.",
    "learn_next_token": "### 1. Learning by predicting the next token\n"
        "A language model is trained on a single exercise: read some text, and guess what "
        "comes next. The text itself holds the right answer, so nobody has to label "
        "anything; this is why the training is called *self-supervised*. Each wrong guess "
        "moves the model's weights a little towards the token that really followed, and "
        f"billions of such guesses are all of pre-training. [See the model's guesses for "
        f"“The capital of France is”]({NEXT}).",
    "learn_tokenizer": "### 2. Tokens, not letters\n"
        "The model never sees characters. A *tokenizer* first cuts the text into tokens: "
        "frequent words are one token, rare words are split into pieces, and emoji or "
        "Chinese characters may take several byte-level tokens each. Every token has a "
        "number, and those numbers are all the model reads. Token counts also set the "
        f"limits: the context window is measured in tokens. [Cut a sentence into tokens]"
        f"({TOKENS}).",
    "learn_embeddings": "### 3. Embeddings: a token becomes a vector\n"
        "Each token number selects one row of a large table, a list of several hundred "
        "numbers called its *embedding*. Nobody writes these numbers: training moves tokens "
        "that are used in similar places close together. So the nearest neighbours of a "
        "word are often its other forms and words of the same kind (cities near cities). "
        f"[Find the tokens nearest to “Paris”]({NEIGHBORS}).",
    "learn_attention": "### 4. Self-attention: tokens look at earlier tokens\n"
        "In every layer, each token builds its next vector from a weighted mix of the tokens "
        "before it, never after it, since those are what it must predict. The weights are "
        "the *attention*. A layer has several *heads*, and each learns its own way of "
        "looking: one follows the previous token, another links a pronoun to its noun. Many "
        "heads put most of their weight on the very first token when nothing else matters: "
        "an *attention sink*, a place to park attention that changes little. "
        f"[Open the attention map]({ATTENTION}).",
    "learn_attention_live": "**Measured on the live model** (on the sentence in the links): "
        "layer {sink_layer}, head {sink_head} is the strongest attention sink, giving "
        "{sink_share} of its attention to the first token on average "
        "([open it]({sink_link})). Layer {prev_layer}, head {prev_head} mostly looks at the "
        "token just before, {prev_share} on average ([open it]({prev_link})).",
    "learn_attention_unavailable": "This app has no local copy of the model's weights, so it "
        "cannot measure which heads act as attention sinks here.",
    "learn_decoding": "### 5. Generation and decoding\n"
        "To write, the model turns its scores into probabilities for every token, one token "
        "is chosen and appended, and the loop repeats. How the token is chosen is called "
        "*decoding*. **Greedy** decoding (temperature 0) always takes the most likely token: "
        f"steady, but prone to loops ([try it]({GREEDY})). **Temperature** divides the "
        "scores before they become probabilities: below 1 the favourite wins more often, "
        f"above 1 surprises become likelier ([try 1.3]({HOT})). **Top-k** keeps only the k "
        f"most likely tokens ([k = 5]({TOP_K})); **top-p** keeps the smallest set of tokens "
        f"whose probabilities add up to p ([p = 0.5]({TOP_P})).",
    "learn_tasks": "### 6. One model, many tasks\n"
        "The GPT-2 paper showed that a model trained only to continue text can also "
        "summarise, answer questions and translate, if the prompt makes the task look like "
        "text to continue: an article followed by “TL;DR:”, or a few “English = French” "
        "lines. Every task tab in this app is the same model with a different prompt; open "
        f"*Prompt sent* on any tab to read it. Try [a summary]({SUMMARIZE}), "
        f"[a question]({ANSWER}) and [a translation]({TRANSLATE}).",
    "learn_faq": "### Questions a class asks\n"
        "**Where does the training text come from?** Mostly from the public web. GPT-2, for "
        "example, learned from WebText: about 8 million web pages that Reddit users had "
        "linked to. Newer models add books, encyclopaedias, code and filtered web crawls; a "
        "model's card says what it was trained on. The model learns whatever the text "
        "holds: facts, mistakes, opinions and stereotypes alike.\n\n"
        "**How is bias reduced?** By choosing and cleaning the training data, by further "
        "training on examples that people wrote or rated, and above all by measuring. A "
        "probe changes one word and compares what the model expects next. None of this "
        f"removes bias; it makes it smaller and visible. [Try the bias probe]({BIAS}).\n\n"
        "**What ethical questions arise?** Whose writing was used, and with what consent or "
        "credit; private details the model may repeat; fluent text that is wrong; "
        "stereotypes repeated at scale; spam and deception made cheap; and the energy "
        "training takes. OpenAI released GPT-2 in stages because of the misuse question.",
    "learn_reading": "### Further reading\n"
        f"- Radford et al. (2019), [Language Models are Unsupervised Multitask Learners]"
        f"({PAPER}): the GPT-2 paper.\n"
        "- [Hugging Face Transformers](https://huggingface.co/docs/transformers): the library "
        "that loads and runs the model here.\n"
        "- [PyTorch](https://pytorch.org/tutorials/): tutorials for the library that does "
        "the arithmetic.",
}

ZH: dict[str, str] = {
    "tab_learn": "学习",
    "learn_intro": "语言模型是怎样工作的？下面每个概念都只有几句话，外加一个链接，点开就能在"
                   "实时运行的模型上看到例子。按顺序点下去，大约十五分钟就能走完一遍。",
    "learn_next_token": "### 1. 靠预测下一个词元来学习\n"
        "语言模型只做一种练习：读一段文字，猜接下来是什么。正确答案就在文字本身里，不需要"
        "任何人标注，所以这种训练叫作*自监督*。每猜错一次，模型的权重就朝真正出现的那个词元"
        f"挪动一点；几十亿次这样的猜测，就是预训练的全部。[看看模型对“The capital of France "
        f"is”的猜测]({NEXT})，或者换一句：[“The first day of school was”]({NEXT_ZH})。",
    "learn_tokenizer": "### 2. 词元，而不是字母\n"
        "模型看不到字符。*分词器*先把文字切成词元：常见的词是一个词元，少见的词会被拆成几"
        "段，表情符号或汉字可能各占好几个字节级词元。每个词元有一个编号，模型读到的只有这些"
        f"编号。上下文窗口的长度也按词元计算。[把一句话切成词元]({TOKENS_ZH})，"
        f"或者[看一句英文]({TOKENS})。",
    "learn_embeddings": "### 3. 嵌入：词元变成向量\n"
        "每个词元编号对应一张大表中的一行——几百个数字，叫作它的*嵌入*。这些数字不是人写的："
        "训练会把用法相近的词元挪得更近。所以一个词最近的邻居，常常是它的其他形式，或者同一"
        f"类的词（城市挨着城市）。[找出离“Paris”最近的词元]({NEIGHBORS})。",
    "learn_attention": "### 4. 自注意力：词元回头看前面的词元\n"
        "在每一层里，每个词元都用它前面（而不是后面——后面正是要预测的内容）各个词元的加权"
        "组合来构造新的向量，这些权重就是*注意力*。一层有好几个*注意力头*，各自学会一种看法："
        "有的盯着前一个词元，有的把代词和它指代的名词连起来。很多头在没有别的可看时，会把大部"
        "分权重放在第一个词元上，这叫*注意力汇聚*（attention sink）。"
        f"[打开注意力图]({ATTENTION})。",
    "learn_attention_live": "**在当前模型上实测**（用链接中的句子）：第 {sink_layer} 层第 "
        "{sink_head} 个头是最明显的注意力汇聚，平均把 {sink_share} 的注意力给了第一个词元"
        "（[打开]({sink_link})）。第 {prev_layer} 层第 {prev_head} 个头主要看紧挨着的前一个"
        "词元，平均 {prev_share}（[打开]({prev_link})）。",
    "learn_attention_unavailable": "本应用在本机没有模型权重的副本，因此无法在这里测量哪些头"
        "起着注意力汇聚的作用。",
    "learn_decoding": "### 5. 生成与解码\n"
        "写文字时，模型把打分变成每个词元的概率，选出一个词元接在后面，然后重复。怎样选这个"
        "词元，叫作*解码*。**贪心**解码（温度 0）总是选概率最高的词元：稳定，但容易绕圈子"
        f"（[试试]({GREEDY})）。**温度**在打分变成概率之前去除它们：小于 1 时最热门的词元更常"
        f"胜出，大于 1 时意外的选择更有机会（[试试 1.3]({HOT})）。**Top-k** 只保留概率最高的 "
        f"k 个词元（[k = 5]({TOP_K})）；**top-p** 保留概率加起来达到 p 的最少词元"
        f"（[p = 0.5]({TOP_P})）。",
    "learn_tasks": "### 6. 一个模型，多种任务\n"
        "GPT-2 论文表明，一个只学过续写文字的模型，只要提示让任务看起来像一段待续写的文字，"
        "它也能做摘要、回答问题和翻译：例如一篇文章后面跟着“TL;DR:”，或者几行“English = "
        "French”。本应用的每个任务标签页都是同一个模型配上不同的提示；在任意标签页打开"
        f"*发送的提示*就能看到。试试[摘要]({SUMMARIZE})、[问答]({ANSWER})和[翻译]({TRANSLATE})。",
    "learn_faq": "### 课堂上常被问到的问题\n"
        "**训练用的文字从哪里来？** 大多来自公开的网页。以 GPT-2 为例，它学习的是 WebText："
        "大约 800 万个被 Reddit 用户链接过的网页。更新的模型还加入了书籍、百科、代码和经过"
        "筛选的网页抓取数据；模型的说明卡会写明它用什么训练。文字里有什么，模型就学什么："
        "事实、错误、观点和刻板印象都一样。\n\n"
        "**怎样减少偏见？** 挑选和清洗训练数据，用人写的或人评过分的例子继续训练，最重要的是"
        "测量。偏见探针只换一个词，比较模型接下来预期什么。这些做法都不能消除偏见，只能让它"
        f"变小、变得看得见。[试试偏见探针]({BIAS})。\n\n"
        "**会引出哪些伦理问题？** 用了谁写的文字，是否得到同意、是否注明来源；模型可能复述"
        "的隐私信息；说得流利却是错的内容；被大规模重复的刻板印象；垃圾信息和欺骗变得廉价；"
        "以及训练消耗的能源。OpenAI 当年正是出于滥用的顾虑，才分阶段发布 GPT-2。",
    "learn_reading": "### 延伸阅读\n"
        f"- Radford 等（2019），[Language Models are Unsupervised Multitask Learners]"
        f"({PAPER})：GPT-2 论文。\n"
        "- [Hugging Face Transformers](https://huggingface.co/docs/transformers)：本应用"
        "用来加载和运行模型的库。\n"
        "- [PyTorch](https://pytorch.org/tutorials/)：负责底层计算的库的教程。",
}
