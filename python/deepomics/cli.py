"""The `deepomics` command line."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deepomics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="the main job: the sequence engine on real promoters")
    demo.add_argument("--fasta", required=True,
                      help="Biostrings' extdata/dm3_upstream2000.fa.gz, or any DNA FASTA")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from . import demo as demo_module

        demo_module.run(args.fasta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
