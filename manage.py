#!/usr/bin/env python
"""Django's command-line utility for Studio."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    from django.core.management import execute_from_command_line

    from studio.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        # A bad setting is the operator's to fix: one line that names it, not a traceback.
        sys.exit(f"Studio cannot start: {error}")


if __name__ == "__main__":
    main()
