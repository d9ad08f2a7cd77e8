"""Génère le notebook étudiant à partir du notebook maître (``make student``).

Usage : ``python -m autograder.distribution.etudiant [--verifier]``

Sans option, écrit ``notebooks/tp_diffusion.ipynb``. Avec ``--verifier``, régénère dans
un dossier temporaire et échoue si le notebook committé en diffère.
"""
import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.cours import preparer_cours


def generer(destination=NOTEBOOK_ETUDIANT, maitre=NOTEBOOK_MAITRE, **reglages):
    """Écrit le notebook étudiant généré par nbgrader dans ``destination``.

    ``reglages`` : surcharges de la configuration nbgrader (p. ex. ``BadgeColab={...}``).
    """
    with tempfile.TemporaryDirectory(prefix="cours_etudiant_") as dossier:
        publie = preparer_cours(dossier, maitre, **reglages)
        Path(destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(publie, destination)
    return Path(destination)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verifier", action="store_true",
                        help="vérifie que le notebook committé est à jour, sans l'écrire")
    args = parser.parse_args(argv)
    if not args.verifier:
        print(f"Notebook étudiant écrit : {generer()}")
        return 0
    with tempfile.TemporaryDirectory() as dossier:
        neuf = generer(Path(dossier) / NOTEBOOK_ETUDIANT.name)
        if neuf.read_bytes() != NOTEBOOK_ETUDIANT.read_bytes():
            print(f"{NOTEBOOK_ETUDIANT} n'est pas à jour : lancez « make student ».", file=sys.stderr)
            return 1
    print(f"{NOTEBOOK_ETUDIANT} est à jour.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
