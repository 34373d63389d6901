"""The Gradio user interface (the only part of lmdemo that imports gradio).

Entry points: ``lmdemo.ui.launch.main`` (``python app.py``) and ``lmdemo.ui.launch.serve``;
``lmdemo.ui.app.build_demo`` builds the Blocks. Nothing is imported here, so starting the
app can load the model while gradio itself is still being imported.
"""
