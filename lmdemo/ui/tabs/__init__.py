"""One builder per tab."""
