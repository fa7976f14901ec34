"""`python -m legacy_seq2seq_compat ...`: the same command line as `legacy-seq2seq-compat`."""

import sys

from legacy_seq2seq_compat.cli import main

if __name__ == "__main__":
    sys.exit(main())
