"""Emplacements du dépôt, en un seul endroit."""
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
ASSIGNMENT = "tp_diffusion"
NOTEBOOK_MAITRE = RACINE / "solutions" / f"{ASSIGNMENT}.ipynb"
NOTEBOOK_ETUDIANT = RACINE / "notebooks" / f"{ASSIGNMENT}.ipynb"
CONFIG_NBGRADER = RACINE / "autograder" / "nbgrader_config.py"
IPYTHONDIR_HORS_LIGNE = RACINE / "autograder" / "ipython"
BUILD = RACINE / "build"
