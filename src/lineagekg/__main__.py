"""``python -m lineagekg``: the same as the ``lineagekg`` command."""

from lineagekg.cli import main

main()
