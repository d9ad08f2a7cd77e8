"""Outils de correction automatique du TP « Modèles de diffusion » (extensions de nbgrader)."""
import os
import sys
from pathlib import Path

# nbgrader lance « alembic » (migrations du carnet de notes) par son nom : il faut que les
# exécutables de l'environnement Python courant (un venv, par exemple) soient dans le PATH.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")
