"""``python -m deepomics``: the command line, as the ``deepomics`` script runs it."""
import sys

from .cli import main

sys.exit(main())
