"""UI strings of a start-up: the status line while the model loads, and the error a request
meets meanwhile (lmdemo/ui/status.py, lmdemo/models/progress.py)."""

from __future__ import annotations

EN: dict[str, str] = {
    "load_status": "The model is getting ready: {stage}, {step}{percent} · {seconds} s so "
                   "far. The page works now; tasks run once the model is ready, and this line "
                   "then gives way to the model's name.",
    "load_failed": "⚠️ The model could not be loaded: {error}",
    "err_model_loading": "The model is still loading ({stage}, {step}{percent_text}). Try again "
                         "in a moment; the line at the top of the page shows the progress.",
    "load_stage_starting": "starting",
    "load_stage_downloading": "downloading",
    "load_stage_converting": "converting it once for this machine",
    "load_stage_loading": "loading",
    "load_step_wait": "getting ready",
    "load_step_download": "from the Hugging Face hub",
    "load_step_convert_tokenizer": "reading the GGUF tokenizer",
    "load_step_convert_weights": "de-quantizing the GGUF weights",
    "load_step_convert_save": "saving the converted weights",
    "load_step_load_weights": "reading the weights",
    "load_step_load_formats": "packing the weights for this CPU",
    "load_step_load_engine": "starting the engine",
}

ZH: dict[str, str] = {
    "load_status": "模型正在准备：{stage}，{step}{percent} · 已用 {seconds} 秒。页面现在就能用；"
                   "模型就绪后即可运行任务，这一行随即换成模型的名字。",
    "load_failed": "⚠️ 模型无法加载：{error}",
    "err_model_loading": "模型还在加载（{stage}，{step}{percent_text}）。请稍后再试；页面顶部那一行"
                         "会显示进度。",
    "load_stage_starting": "启动中",
    "load_stage_downloading": "下载中",
    "load_stage_converting": "首次为本机转换模型",
    "load_stage_loading": "加载中",
    "load_step_wait": "准备中",
    "load_step_download": "从 Hugging Face Hub 下载",
    "load_step_convert_tokenizer": "读取 GGUF 分词器",
    "load_step_convert_weights": "反量化 GGUF 权重",
    "load_step_convert_save": "保存转换后的权重",
    "load_step_load_weights": "读取权重",
    "load_step_load_formats": "为本机 CPU 打包权重",
    "load_step_load_engine": "启动推理引擎",
}
