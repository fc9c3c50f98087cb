"""``python -m scalesim``."""

from scalesim.cli import main

main()
