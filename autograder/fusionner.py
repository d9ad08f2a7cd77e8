"""Ancien nom de ``python -m autograder.correction.fusion`` (fusionner des parts), gardé."""
import sys

from autograder.correction.fusion import main

if __name__ == "__main__":
    sys.exit(main())
