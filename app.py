"""lmdemo: `python app.py [--model NAME] [--port N]` serves the app (see README)."""

from lmdemo.ui.launch import main

if __name__ == "__main__":
    main()
