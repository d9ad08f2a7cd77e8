"""Ancien nom de ``python -m autograder.correction.classe`` (corriger une classe), gardé."""
import sys

from autograder.correction.classe import main

if __name__ == "__main__":
    sys.exit(main())
